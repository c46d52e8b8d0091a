import { randomBytes } from 'node:crypto';
import { dropDatabase } from '../../cli/database-setup.js';
import { SmtpSink } from '../../test/support/smtp-sink.js';
import type { TestStack } from '../../test/support/stack.js';
import { ADMIN_URL } from './bench-stack.js';
import { stopOnInterrupt } from './interrupt.js';

/** What a before-and-after benchmark's two stacks share or need in pairs, and how to undo it all. */
export interface SideBySide {
  /** The baseline's database and the current one's: new, dropped by stopAll. */
  databases: [string, string];
  smtp: SmtpSink;
  /** Push each stack as it starts: stopAll stops them. */
  stacks: TestStack[];
  /** Stops the stacks and the SMTP sink and drops the databases: on Ctrl-C, or called at the end. */
  stopAll: () => Promise<void>;
}

export async function sideBySide(benchmark: string): Promise<SideBySide> {
  const databases = ['baseline', 'current'].map((side) => `postgres://127.0.0.1:5432/orderflow_${benchmark}_${side}_${randomBytes(4).toString('hex')}`) as [string, string];
  const smtp = await new SmtpSink().start();
  const stacks: TestStack[] = [];
  const stopAll = stopOnInterrupt(async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
    await smtp.stop();
    for (const databaseUrl of databases) await dropDatabase(ADMIN_URL, databaseUrl);
  });
  return { databases, smtp, stacks, stopAll };
}
