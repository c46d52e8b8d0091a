import type { Command } from 'commander';
import type { z } from 'zod';
import type { StockLevelSchema } from '../../api/schemas.js';
import { answer, pathParam } from '../support/api-client.js';
import { apiClient, globalOptions, integerArgument } from '../support/context.js';
import { printJson, printTable } from '../support/output.js';

type StockLevel = z.infer<typeof StockLevelSchema>;

const printLevels = (levels: StockLevel[]) =>
  printTable(['sku', 'on hand', 'reserved', 'available'], levels.map((level) => [level.sku, level.onHand, level.reserved, level.available]));

/** `stock show|adjust`: stock levels, restocks and write-offs, through the API. */
export function registerStockCommands(program: Command): void {
  const stock = program.command('stock').description('show and adjust stock (adjustments as an admin)');

  stock
    .command('show')
    .description('on hand, reserved and available for one or more SKUs')
    .argument('<sku...>', 'one or more SKUs')
    .action(async (skus: string[], _options: object, command: Command) => {
      const api = await apiClient(command);
      const levels = await Promise.all(skus.map((sku) => answer(api.inventory[':sku'].$get({ param: { sku: pathParam(sku, '<sku>') } }))));
      if (globalOptions(command).json) return printJson(levels.length === 1 ? levels[0] : levels);
      printLevels(levels);
    });

  stock
    .command('adjust')
    .description('restock (+delta) or write off (-delta), recorded in the ledger with a reason and you as actor (the AdjustStock workflow)')
    .argument('<sku>', 'the SKU')
    .argument('<delta>', 'units to add (5) or remove (-5)', integerArgument('<delta>'))
    .requiredOption('--reason <text>', 'why, for the ledger (e.g. "delivery 1042")')
    .option('--idempotency-key <key>', 'applies the adjustment once, however often the command is run with this key')
    .action(async (sku: string, delta: number, options: { reason: string; idempotencyKey?: string }, command: Command) => {
      const api = await apiClient(command, 'admin');
      const level = await answer(
        api.inventory[':sku'].adjustments.$post({ param: { sku: pathParam(sku, '<sku>') }, json: { delta, reason: options.reason }, header: { 'idempotency-key': options.idempotencyKey } }),
      );
      if (globalOptions(command).json) return printJson(level);
      printLevels([level]);
    });
}
