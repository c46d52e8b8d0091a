import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { replay, untracedBundleCode } from '../test/support/replay.js';

// Histories recorded from real runs (`npm run -s replay -- --workflow-id <id> --export <file>`).
// Workflows in flight when new code ships must replay under it: a change that breaks one of
// these needs a `patched()` branch, not an edited fixture. They were recorded before the workflows
// made spans, so they also prove that turning tracing on (or off again) changes no decision.
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = (await readdir(FIXTURES)).filter((file) => file.endsWith('.json'));

describe('recorded histories replay against the current workflow code', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThan(0));

  it('replays them with the tracing interceptors bundled (as the order worker runs) and without', async () => {
    const tracerName = '@temporalio/interceptor-workflow';
    expect(await readFile(inject('workflowBundlePath'), 'utf8')).toContain(tracerName);
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
