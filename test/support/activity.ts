import { MockActivityEnvironment } from '@temporalio/testing';
import type { Logger as TemporalLogger } from '@temporalio/common';
import { pino } from 'pino';

const noop = () => {};
const quietSdkLogger: TemporalLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** Our loggers, silenced for tests. */
export const silentLog = pino({ level: 'silent' });

/** Runs an activity function in a mock activity context (real dependencies, no worker). */
export function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment(undefined, { logger: quietSdkLogger }).run(fn, ...args);
}
