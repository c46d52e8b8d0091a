import { describe, expect, it } from 'vitest';
import { extraQueueWorkerOptions } from './bootstrap.js';

describe("another task queue's worker", () => {
  it('that hosts workflows (the notification process\'s webhooks worker) gets the bounded workflow cache, with its own options', () => {
    expect(extraQueueWorkerOptions({ workflows: true, extra: { maxConcurrentActivityTaskExecutions: 200 } }, 250)).toEqual({ maxCachedWorkflows: 250, maxConcurrentActivityTaskExecutions: 200 });
  });

  it('that hosts none gets no cache setting', () => {
    expect(extraQueueWorkerOptions({ extra: { maxConcurrentActivityTaskExecutions: 5 } }, 250)).toEqual({ maxConcurrentActivityTaskExecutions: 5 });
    expect(extraQueueWorkerOptions({}, 250)).toEqual({});
  });
});
