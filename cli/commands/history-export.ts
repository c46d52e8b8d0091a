import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { decodeHistoryPayloads } from '../decode-history.js';
import { CliError } from '../support/errors.js';
import { appCodec, connectTemporal, temporalCall } from '../support/temporal.js';

/**
 * Writes a workflow's history as proto JSON (what the Web UI downloads and replay reads): as
 * stored, encrypted, or with `decoded` every payload in the clear. `-` writes to stdout.
 */
export async function exportHistory(client: Pick<Client, 'workflow'>, codec: PayloadCodec, workflowId: string, file: string, decoded: boolean): Promise<number> {
  const history = await temporalCall(() => client.workflow.getHandle(workflowId).fetchHistory(), { workflowId });
  const json = historyToJSON(history);
  const text = decoded ? `${JSON.stringify(await decodeHistoryPayloads(JSON.parse(json), codec), null, 2)}\n` : json;
  if (file === '-') process.stdout.write(text);
  else await writeFile(file, text).catch((error: NodeJS.ErrnoException) => Promise.reject(new CliError(`cannot write ${file}: ${error.code ?? error.message}`)));
  return history.events?.length ?? 0;
}

/** `history export`: connects, writes the file, and says what it wrote. */
export async function runHistoryExport(workflowId: string, file: string, decoded: boolean): Promise<number> {
  const codec = appCodec();
  const temporal = await connectTemporal(codec);
  try {
    return await exportHistory(temporal.client, codec, workflowId, file, decoded);
  } finally {
    await temporal.close();
  }
}
