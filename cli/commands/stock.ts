import type { Command } from 'commander';
import type { z } from 'zod';
import type { StockLevelSchema } from '../../api/schemas.js';
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
      const levels = await Promise.all(skus.map((sku) => api.get<StockLevel>(`/inventory/${encodeURIComponent(sku)}`)));
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
      const level = await api.post<StockLevel>(`/inventory/${encodeURIComponent(sku)}/adjustments`, {
        body: { delta, reason: options.reason },
        ...(options.idempotencyKey !== undefined && { headers: { 'idempotency-key': options.idempotencyKey } }),
      });
      if (globalOptions(command).json) return printJson(level);
      printLevels([level]);
    });
}
