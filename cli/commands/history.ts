import { writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Command } from 'commander';
import { decodeHistoryPayloads } from '../decode-history.js';
import { globalOptions } from '../support/context.js';
import { CliError } from '../support/errors.js';
import { printJson } from '../support/output.js';
import { appCodec, connectTemporal, temporalCall } from '../support/temporal.js';

/**
 * Writes a workflow's history as proto JSON (what the Web UI downloads and replay reads): as
 * stored, encrypted, or with `decoded` every payload in the clear. `-` writes to stdout.
 */
export async function exportHistory(client: Client, codec: PayloadCodec, workflowId: string, file: string, decoded: boolean): Promise<number> {
  const history = await temporalCall(() => client.workflow.getHandle(workflowId).fetchHistory(), { workflowId });
  const json = historyToJSON(history);
  const text = decoded ? `${JSON.stringify(await decodeHistoryPayloads(JSON.parse(json), codec), null, 2)}\n` : json;
  if (file === '-') process.stdout.write(text);
  else await writeFile(file, text).catch((error: NodeJS.ErrnoException) => Promise.reject(new CliError(`cannot write ${file}: ${error.code ?? error.message}`)));
  return history.events?.length ?? 0;
}

/** `history export`: one workflow's event history, to a file. */
export function registerHistoryCommands(program: Command): void {
  const history = program.command('history').description('workflow event histories');

  history
    .command('export')
    .description('save a workflow\'s history as JSON (for replay, a bug report or a test fixture)')
    .argument('<workflowId>', 'e.g. order-<orderId> or product-<sku>')
    .argument('<file>', 'where to write it (- for stdout)')
    .option('--decoded', 'payloads in the clear, so that it replays under any key (development data only: it holds customer data)', false)
    .action(async (workflowId: string, file: string, options: { decoded: boolean }, command: Command) => {
      const codec = appCodec();
      const temporal = await connectTemporal(codec);
      try {
        const events = await exportHistory(temporal.client, codec, workflowId, file, options.decoded);
        if (file === '-') return;
        if (globalOptions(command).json) return printJson({ workflowId, file, events, decoded: options.decoded });
        process.stdout.write(`history of ${workflowId} (${events} events${options.decoded ? ', decoded' : ''}) written to ${file}\n`);
      } finally {
        await temporal.close();
      }
    });
}
