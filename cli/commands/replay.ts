import type { Command } from 'commander';
import { globalOptions } from '../support/context.js';
import type { ReplayOptions } from './replay-run.js';

/** `replay`: workflow histories against the current workflow code; exit 1 on any non-determinism. */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay workflow histories against the current workflow code; exits 1 on any non-determinism')
    .option('--workflow-id <id>', 'one workflow from the server, e.g. order-<orderId>')
    .option('--query <query>', "every workflow a visibility query matches, e.g. \"WorkflowType='PlaceOrder' AND ExecutionStatus='Running'\"")
    .option('--file <path>', "a saved history (the Web UI's download, `history export`, `temporal workflow show --output json`), or a folder of them")
    .option('--export <file>', 'with --workflow-id: also save the history (as `history export` does)')
    .option('--decoded', 'with --export: payloads in the clear (development data only)', false)
    .addHelpText(
      'after',
      `
The workflow code is bundled once into .data/replay/workflow-bundle.js (REPLAY_BUNDLE_PATH) and
reused until a file it is built from changes. Payloads are read with PAYLOAD_ENCRYPTION_KEY (and
PAYLOAD_DECRYPTION_KEYS), by default this install's development key.`,
    )
    .action(async (options: ReplayOptions, command: Command) => {
      // Temporal's SDK loads only for the commands that need it: the others start twice as fast.
      const { runReplay } = await import('./replay-run.js');
      await runReplay(options, globalOptions(command).json);
    });
}

