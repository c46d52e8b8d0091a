import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import { temporalLogger } from './temporal-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
      done();
    },
  });
  return { sdk: temporalLogger(createLogger('worker:product', 'debug', 'json', destination)), lines };
}

const activityMeta = { taskToken: 'c2VjcmV0', activityType: 'commitReservation', workflowId: 'order-1', attempt: 1, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331', trace_flags: '01' };

describe('the Temporal SDK\'s log lines', () => {
  it('a failure that no retry changes is a WARN (refusals are results, never failures), with our trace fields and without task token', () => {
    const { sdk, lines } = capture();
    const error = ApplicationFailure.create({ type: 'RESERVATION_RELEASED', message: 'Reservation for order 1 was released', nonRetryable: true });
    sdk.warn('Activity failed', { ...activityMeta, error, durationMs: 4 });
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'Activity failed', activityType: 'commitReservation', traceId: activityMeta.trace_id })]);
    expect(JSON.stringify(lines)).not.toMatch(/taskToken|c2VjcmV0|trace_id/);
  });

  it('an infrastructure failure stays a WARN, with its error', () => {
    const { sdk, lines } = capture();
    sdk.warn('Activity failed', { ...activityMeta, error: new Error('connect ECONNREFUSED') });
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'Activity failed', err: expect.objectContaining({ message: 'connect ECONNREFUSED' }) })]);
    expect(lines[0]).not.toHaveProperty('taskToken');
  });

  it('a healthy activity-only worker\'s start is DEBUG chatter, not a warning', () => {
    const { sdk, lines } = capture();
    sdk.warn('No workflows registered, not polling for workflow tasks', { sdkComponent: 'worker' });
    sdk.info('Worker state changed', { state: 'RUNNING' });
    expect(lines.map((line) => line.level)).toEqual(['debug', 'debug']);
  });
});
