import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { testDataConverter } from '../test/support/temporal.js';

// Histories recorded from real runs (`npm run -s replay -- --workflow-id <id> --export <file>`).
// Workflows in flight when new code ships must replay under it: a change that breaks one of
// these needs a `patched()` branch, not an edited fixture.
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = (await readdir(FIXTURES)).filter((file) => file.endsWith('.json'));

describe('recorded histories replay against the current workflow code', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThan(0));

  for (const file of files) {
    it(file, async () => {
      const history: unknown = JSON.parse(await readFile(path.join(FIXTURES, file), 'utf8'));
      await expect(
        Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: testDataConverter, replayName: file }, history, file),
      ).resolves.toBeUndefined();
    });
  }
});
