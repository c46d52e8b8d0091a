import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../test/support/replay.js';

// Histories recorded from real runs (`npm run -s replay -- --workflow-id <id> --export <file>`).
// Workflows in flight when new code ships must replay under it: a change that breaks one of
// these needs a `patched()` branch, not an edited fixture. They were recorded before the workflows
// made spans, so they also prove that turning tracing on (or off again) changes no decision.
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const files = (await readdir(FIXTURES)).filter((file) => file.endsWith('.json'));

describe('recorded histories replay against the current workflow code', () => {
  it('has fixtures', () => expect(files.length).toBeGreaterThan(0));

  for (const file of files) {
    for (const tracing of ['traced', 'untraced'] as const) {
      it(`${file} (${tracing})`, async () => {
        const history: unknown = JSON.parse(await readFile(path.join(FIXTURES, file), 'utf8'));
        await expect(replay(history, file, tracing)).resolves.toBeUndefined();
      });
    }
  }
});
