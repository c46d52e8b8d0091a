import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_RETRY, retryAfterMs, WEBHOOK_LIMITS } from './webhooks.contract.js';

const now = new Date('2026-12-07T09:00:00.000Z');
/** A retry policy whose floor and cap sit apart from the defaults', so that each bound shows. */
const policy = { initialInterval: '5s', maximumInterval: '10m' };

describe('retryAfterMs', () => {
  it.each([
    ['120', 120_000],
    [' 120 ', 120_000],
    ['5', 5_000],
    ['Mon, 07 Dec 2026 09:02:00 GMT', 120_000],
    ['Monday, 07-Dec-26 09:02:00 GMT', 120_000],
    ['Mon Dec  7 09:02:00 2026', 120_000],
  ])('reads %j as %i ms', (header, ms) => {
    expect(retryAfterMs(header, now, policy)).toBe(ms);
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['blank', '   '],
    ['zero', '0'],
    ['zeros', '000'],
    ['now', 'Mon, 07 Dec 2026 09:00:00 GMT'],
    ['a past date', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['garbage', 'soon'],
    ['negative seconds', '-5'],
    ['fractional seconds', '1.5'],
    ['a date in no HTTP form', '2026-12-07T10:00:00Z'],
    ['a number and a word', '10 seconds'],
  ])('%s: undefined, the policy\'s own backoff (never a delay of 0, which Temporal reads as its maximum interval)', (_, header) => {
    expect(retryAfterMs(header, now, policy)).toBeUndefined();
  });

  it('floors a short one at the policy\'s initial interval: Retry-After: 1 cannot make an attempt a second', () => {
    expect(retryAfterMs('1', now, policy)).toBe(5_000);
    expect(retryAfterMs('Mon, 07 Dec 2026 09:00:01 GMT', now, policy)).toBe(5_000);
    expect(retryAfterMs('1', now, DEFAULT_WEBHOOK_RETRY)).toBe(10_000);
  });

  it('caps a long one at the policy\'s maximum interval, and never above WEBHOOK_LIMITS.maxRetryAfterMs', () => {
    expect(retryAfterMs('86400', now, policy)).toBe(600_000);
    expect(retryAfterMs('Tue, 08 Dec 2026 09:00:00 GMT', now, policy)).toBe(600_000);
    expect(retryAfterMs('86400', now, { initialInterval: '10s', maximumInterval: '1d' })).toBe(WEBHOOK_LIMITS.maxRetryAfterMs);
    expect(retryAfterMs('86400', now, DEFAULT_WEBHOOK_RETRY)).toBe(60 * 60 * 1000);
  });

  it('caps a huge number of seconds, even one past what a number holds', () => {
    expect(retryAfterMs('99999999999999999999', now, policy)).toBe(600_000);
    expect(retryAfterMs('9'.repeat(400), now, policy)).toBe(600_000);
  });
});
