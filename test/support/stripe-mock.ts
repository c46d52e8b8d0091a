import { findGoTool, STRIPE_MOCK } from '../../dev/go-binaries.js';
import { startProcess } from '../../dev/processes.js';

/** stripe-mock takes any test-mode key (`sk_test_<one word>`); this one is nobody's. */
export const STRIPE_MOCK_KEY = 'sk_test_stripemock';

export interface StripeMock {
  /** Its HTTP base URL, for STRIPE_API_URL. */
  url: string;
  stop(): Promise<void>;
}

/**
 * The cached stripe-mock on loopback. The kernel picks its ports as it binds them and it prints
 * them, so nothing can take them in between. It prints its HTTP address once its spec is loaded
 * and the socket listens: from then on it answers.
 */
export async function startStripeMock(): Promise<StripeMock> {
  const binary = findGoTool(STRIPE_MOCK)?.['stripe-mock'];
  if (!binary) throw new Error(`${STRIPE_MOCK.title} is not built: \`npm test\` builds it first, or \`bash dev/node.sh npx tsx dev/go-binaries.ts\`.`);
  const output: string[] = [];
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => (listening = resolve));
  const server = startProcess({
    name: 'stripe-mock',
    command: binary,
    // HTTPS too is given a loopback address: given only an HTTP one, it opens HTTPS on every interface at 12112.
    args: ['-http-addr', '127.0.0.1:0', '-https-addr', '127.0.0.1:0'],
    onLine(line) {
      output.push(line);
      const address = /^Listening for HTTP at address: (\S+)$/.exec(line)?.[1];
      if (address) listening(`http://${address}`);
    },
  });
  const first = await Promise.race([ready, server.exited.then((code) => ({ code }))]);
  if (typeof first !== 'string') throw new Error(`stripe-mock exited (${first.code}) before it listened:\n${output.join('\n')}`);
  return { url: first, stop: () => server.stop() };
}
