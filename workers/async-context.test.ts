import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

// The Temporal SDK runs workflows in a worker thread that handles each request inside its message
// port's listener, and every workflow run creates AsyncLocalStorages. On Node 20 each storage's
// `run()` left a key on the current async resource — the port, for the thread's whole life — and
// the order worker's CPU per order crept up with every run (docs/performance.md). Node 24 keeps
// stores in the AsyncContextFrame instead. This is the same pattern, on the Node that runs the tests.
const THREAD = `
const { parentPort } = require('node:worker_threads');
const { AsyncLocalStorage, executionAsyncResource } = require('node:async_hooks');
parentPort.on('message', (runs) => {
  const resource = executionAsyncResource();
  const keys = () => Object.getOwnPropertySymbols(resource).length;
  const before = keys();
  for (let i = 0; i < runs; i++) new AsyncLocalStorage().run(i, () => {});
  parentPort.postMessage({ resourceIsThePort: resource === parentPort, before, after: keys() });
});`;

describe('AsyncLocalStorage in a worker thread\'s message listener', () => {
  it('leaves no key on the message port, however many storages run there', async () => {
    const thread = new Worker(THREAD, { eval: true });
    try {
      thread.postMessage(100);
      const [reading] = (await once(thread, 'message')) as [{ resourceIsThePort: boolean; before: number; after: number }];
      expect(reading.resourceIsThePort).toBe(true);
      expect(reading.after, `keys on the port: ${reading.before} before 100 storages ran, ${reading.after} after`).toBe(reading.before);
    } finally {
      await thread.terminate();
    }
  });
});
