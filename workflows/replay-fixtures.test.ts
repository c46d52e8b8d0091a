import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replayBundle } from '../cli/support/replay-bundle.js';
import { replay, untracedBundleCode } from '../test/support/replay.js';

// The replay gate: a history of every path of PlaceOrder and of the admin workflows, recorded
// from real runs (`UPDATE_FIXTURES=1 npm run test:integration`: the tests that run each path write
// them), replays
// against the current workflow code, with the tracing interceptors bundled (as the order worker
// runs) and without. A change that breaks one needs a version (see workflows/place-order.ts),
// never an edited fixture. Needs no Temporal server.
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = (await readdir(FIXTURES)).filter((file) => file.endsWith('.json')).sort();

describe('recorded histories replay against the current workflow code', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThan(0));

  it('replays them with the tracing interceptors bundled and without', async () => {
    const tracerName = '@temporalio/interceptor-workflow';
    expect(await readFile(await replayBundle(), 'utf8')).toContain(tracerName);
    expect(await untracedBundleCode()).not.toContain(tracerName);
  });

  for (const file of files) {
    for (const tracing of ['traced', 'untraced'] as const) {
      it(`${file} (${tracing})`, async () => {
        const history: unknown = JSON.parse(await readFile(path.join(FIXTURES, file), 'utf8'));
        await expect(replay(history, file, tracing)).resolves.toBeUndefined();
      });
    }
  }
});
