import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '../common/config.js';
import { registerHistoryCommands } from './commands/history.js';
import { registerOrderCommands } from './commands/orders.js';
import { registerProductCommands } from './commands/products.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerStockCommands } from './commands/stock.js';
import { registerTokenCommands } from './commands/token.js';
import { registerWebhookCommands } from './commands/webhooks.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE, formatCliError } from './support/errors.js';

const ENVIRONMENT_HELP = `
Environment:
  ORDERFLOW_API_URL        the API (default http://127.0.0.1:3000)
  ORDERFLOW_TOKEN          a bearer token; in development mode (ORDERFLOW_ENV unset or development)
                           the CLI mints a short-lived one from this install's development secrets
                           when none is given: operator for orders, admin for catalog writes and webhooks
  ORDERFLOW_ENV            production: a token is required, none is minted
  TEMPORAL_ADDRESS         Temporal gRPC for replay and history (default 127.0.0.1:7233)
  TEMPORAL_NAMESPACE       (default default)
  PAYLOAD_ENCRYPTION_KEY   to read payloads (replay, history export --decoded); development: this install's key

Examples:
  npx orderflow orders list --status CONFIRMED
  npx orderflow orders cancel 6f1c0d2e-8a4b-4c1e-9d7a-2b5e3f4a1c90
  npx orderflow orders ship 6f1c0d2e-8a4b-4c1e-9d7a-2b5e3f4a1c90 --carrier DHL --tracking JD014600006281 --line TEE-BLK-M=1
  npx orderflow stock adjust TEE-BLK-M 10 --reason "delivery 1042"
  npx orderflow webhooks create --url https://hooks.example.com/orderflow --event order.confirmed order.shipped
  npx orderflow replay --query "WorkflowType='PlaceOrder' AND ExecutionStatus='Running'"
  npx orderflow products list --json | jq '.items[].sku'`;

/** The `orderflow` command tree. Every command has --help; output is a table unless --json. */
export function buildProgram(): Command {
  const program = new Command('orderflow')
    .description("orderflow's operator CLI: orders, catalog and stock through the HTTP API; workflow replay and histories through Temporal")
    .addOption(new Option('--api-url <url>', 'the HTTP API').env('ORDERFLOW_API_URL').default('http://127.0.0.1:3000'))
    .addOption(new Option('--token <jwt>', 'bearer token (default: minted for you in development mode)').env('ORDERFLOW_TOKEN'))
    .option('--as <sub>', 'who a minted development token names (default: your login name)')
    .option('--json', 'JSON on stdout, for scripts', false)
    .option('--debug', 'stack traces for unexpected errors', false)
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .addHelpText('after', ENVIRONMENT_HELP);
  // Subcommands made with .command() inherit the settings above (exit override, help options).
  registerOrderCommands(program);
  registerProductCommands(program);
  registerStockCommands(program);
  registerWebhookCommands(program);
  registerTokenCommands(program);
  registerReplayCommand(program);
  registerHistoryCommands(program);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and the script) and sets the exit code: 0, 1 for a
 * failure, 2 for a usage or validation error. Expected failures print one `error:` line (and
 * details), never a stack trace; an unexpected error shows its stack with --debug.
 */
export async function runCli(argv: string[]): Promise<void> {
  // `orderflow … | head` closes the pipe early: the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    process.exitCode = reportError(error, argv.includes('--debug'));
  }
}

function reportError(error: unknown, debug: boolean): number {
  // Commander has already printed its own message (or the help).
  if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT_USAGE;
  if (error instanceof CliError) {
    process.stderr.write(`${formatCliError(error)}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(debug && error instanceof Error && error.stack ? `${error.stack}\n` : `error: ${message}\n(unexpected: run again with --debug for the stack trace)\n`);
  return EXIT_FAILURE;
}
