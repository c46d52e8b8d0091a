import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { dropDatabase, setupDatabase } from '../../cli/database-setup.js';
import { generateDevSecrets } from '../../dev/secrets.js';
import { ROOT } from '../../dev/stack.js';
import { ensureTemporalBinary } from '../../dev/temporal-binary.js';
import { SmtpSink } from '../../test/support/smtp-sink.js';
import { TestStack, type TestStackOptions } from '../../test/support/stack.js';
import { buildWorkflowBundle } from '../../workers/workflow-bundle.js';
import { stopOnInterrupt } from './interrupt.js';

export const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchStack {
  stack: TestStack;
  /** The run's own database (created and migrated for it, dropped by stop). */
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * The whole system for a benchmark: a database of its own, a fresh workflow bundle, development
 * secrets and a real SMTP sink on loopback. What it started is stopped if it fails half-way.
 */
export async function startBenchStack(say: (line: string) => void, options: Omit<TestStackOptions, 'prepared' | 'smtpUrl'>): Promise<BenchStack> {
  const databaseUrl = `postgres://127.0.0.1:5432/orderflow_bench_${randomBytes(4).toString('hex')}`;
  const smtp = await new SmtpSink().start();
  await setupDatabase({ adminUrl: ADMIN_URL, databaseUrl });
  const cleanUp = stopOnInterrupt(async () => {
    await smtp.stop();
    await dropDatabase(ADMIN_URL, databaseUrl);
  });
  try {
    const prepared = {
      databaseUrl,
      temporalBinary: await ensureTemporalBinary(say),
      workflowBundlePath: await buildWorkflowBundle(path.join(ROOT, '.data', 'bench', 'workflow-bundle.js')),
      secrets: generateDevSecrets(),
    };
    const stack = await TestStack.start({ ...options, smtpUrl: smtp.url, prepared });
    return {
      stack,
      databaseUrl,
      stop: stopOnInterrupt(async () => {
        await stack.stop();
        await cleanUp();
      }),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
