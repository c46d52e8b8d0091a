import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { isLoopbackHost } from '../../common/environment.js';
import { createSandboxApp } from './app.js';
import { openLedger } from './ledger.js';

export interface PaymentSandboxOptions {
  /** Loopback only; 127.0.0.1 by default. */
  host?: string;
  /** 0: any free port (see `port` on the result). */
  port: number;
  /** Where the ledger is kept across restarts; none: in memory only. */
  ledgerFile?: string;
  authorisationValidityMs?: number;
  /** The sandbox's clock (tests expire an authorisation by moving it). */
  now?: () => Date;
}

export interface PaymentSandbox {
  /** The base URL, e.g. http://127.0.0.1:9470 (PAYMENT_SANDBOX_URL). */
  url: string;
  port: number;
  /** How many entries the ledger held when it started (replayed from its file). */
  replayedEntries: number;
  /** Stops listening and cuts open connections: callers see the provider unreachable. */
  close(): Promise<void>;
}

/**
 * The payment sandbox (app.ts) listening on loopback. Start it again on the same port with the
 * same ledger file to bring it back after close(): it answers every key it answered before.
 */
export async function startPaymentSandbox({ host = '127.0.0.1', port, ledgerFile, authorisationValidityMs, now }: PaymentSandboxOptions): Promise<PaymentSandbox> {
  if (!isLoopbackHost(host)) throw new Error(`payment sandbox: ${host} is not a loopback host; the sandbox believes every caller`);
  const ledger = openLedger(ledgerFile);
  const app = createSandboxApp({ ledger, ...(authorisationValidityMs !== undefined && { authorisationValidityMs }), ...(now && { now }) });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) => reject(new Error(`payment sandbox: cannot listen on ${host}:${port} (${error.code ?? error.message})`, { cause: error }));
    server.once('error', refused);
    server.listen(port, host, () => {
      server.off('error', refused);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    replayedEntries: ledger.entries().length,
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
