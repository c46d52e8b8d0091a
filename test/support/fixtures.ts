import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { expect } from 'vitest';
import { exportHistory } from '../../cli/commands/history-export.js';

const FIXTURES = fileURLToPath(new URL('../../workflows/fixtures/', import.meta.url));

/**
 * The replay gate's fixture for one path of a workflow (workflows/replay-fixtures.test.ts replays
 * them all). With UPDATE_FIXTURES=1 the history just recorded is written there as the CLI's
 * `history export --decoded` writes it, so that it replays under any key; otherwise the fixture
 * must already exist, so that a path without one fails here.
 */
export async function recordFixture(handle: WorkflowHandle, name: string, codec: PayloadCodec): Promise<void> {
  const file = `${FIXTURES}${name}.json`;
  if (process.env.UPDATE_FIXTURES === '1') await exportHistory({ workflow: handle.client }, codec, handle.workflowId, file, true);
  expect(existsSync(file), `no fixture ${name}.json: record it with UPDATE_FIXTURES=1`).toBe(true);
}
