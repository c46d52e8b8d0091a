import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { expect } from 'vitest';
import { decodeHistoryPayloads } from '../../cli/decode-history.js';

const FIXTURES = fileURLToPath(new URL('../../workflows/fixtures/', import.meta.url));

/**
 * The replay gate's fixture for one path of a workflow (workflows/replay-fixtures.test.ts replays
 * them all). With UPDATE_FIXTURES=1 the history just recorded is written there, every payload
 * decoded so that it replays under any key; otherwise the fixture must already exist, so that a
 * path without one fails here.
 */
export async function recordFixture(handle: WorkflowHandle, name: string, codec: PayloadCodec): Promise<void> {
  const file = `${FIXTURES}${name}.json`;
  if (process.env.UPDATE_FIXTURES === '1') {
    const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
    await writeFile(file, `${JSON.stringify(await decodeHistoryPayloads(history, codec), null, 2)}\n`);
  }
  expect(existsSync(file), `no fixture ${name}.json: record it with UPDATE_FIXTURES=1`).toBe(true);
}
