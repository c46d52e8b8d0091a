import type { Command } from 'commander';
import { globalOptions } from '../support/context.js';
import { printJson } from '../support/output.js';

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
      const { runHistoryExport } = await import('./history-export.js');
      const events = await runHistoryExport(workflowId, file, options.decoded);
      if (file === '-') return;
      if (globalOptions(command).json) return printJson({ workflowId, file, events, decoded: options.decoded });
      process.stdout.write(`history of ${workflowId} (${events} events${options.decoded ? ', decoded' : ''}) written to ${file}\n`);
    });
}
