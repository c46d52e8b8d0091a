import type { Command } from 'commander';
import type { z } from 'zod';
import type { ProductSchema } from '../../api/schemas.js';
import { answer, pathParam } from '../support/api-client.js';
import { usageError } from '../support/errors.js';
import { apiClient, globalOptions, integerArgument } from '../support/context.js';
import { formatMoney, formatTime, printFields, printJson, printNextPageHint, printTable } from '../support/output.js';

type Product = z.infer<typeof ProductSchema>;

/** `products list|create|update`: the catalog, through the API (writes as an admin). */
export function registerProductCommands(program: Command): void {
  const products = program.command('products').description('list, create and update products (writes as an admin)');

  products
    .command('list')
    .description('active products, by SKU')
    .option('-q, --search <text>', 'only products whose name or SKU contains this')
    .option('--limit <n>', 'products per page (1-100)', integerArgument('--limit', { min: 1, max: 100 }), 20)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(async (options: { search?: string; limit: number; cursor?: string }, command: Command) => {
      const api = await apiClient(command);
      const page = await answer(api.products.$get({ query: { q: options.search, limit: String(options.limit), cursor: options.cursor } }));
      if (globalOptions(command).json) return printJson(page);
      printTable(['sku', 'name', 'price', 'updated'], page.items.map((product) => [product.sku, product.name, formatMoney(product.priceCents, product.currency), formatTime(product.updatedAt)]));
      printNextPageHint(page.nextCursor);
    });

  products
    .command('create')
    .description('create a product with its stock record (the CreateProduct workflow)')
    .requiredOption('--sku <sku>', 'upper-case letters, digits and dashes, e.g. LAMP-01')
    .requiredOption('--name <name>', 'the name customers see')
    .requiredOption('--price-cents <n>', 'price in minor units (4500 = 45.00)', integerArgument('--price-cents', { min: 0 }))
    .option('--currency <code>', 'ISO 4217 code', 'EUR')
    .option('--stock <n>', 'initial on-hand stock', integerArgument('--stock', { min: 0 }), 0)
    .option('--description <text>', 'a longer description')
    .action(async (options: { sku: string; name: string; priceCents: number; currency: string; stock: number; description?: string }, command: Command) => {
      const api = await apiClient(command, 'admin');
      const body = { sku: options.sku, name: options.name, priceCents: options.priceCents, currency: options.currency, initialStock: options.stock, ...(options.description !== undefined && { description: options.description }) };
      const created = await answer(api.products.$post({ json: body }));
      if (globalOptions(command).json) return printJson(created);
      printProduct(created);
      printFields([['on hand', created.stock.onHand]]);
    });

  products
    .command('update')
    .description('change a product (the UpdateProduct workflow); give at least one change')
    .argument('<sku>', 'the product to change')
    .option('--name <name>', 'a new name')
    .option('--description <text>', 'a new description')
    .option('--price-cents <n>', 'a new price in minor units', integerArgument('--price-cents', { min: 0 }))
    .option('--active', 'put it back on sale')
    .option('--inactive', 'take it off sale (orders for it are rejected)')
    .action(async (sku: string, options: { name?: string; description?: string; priceCents?: number; active?: boolean; inactive?: boolean }, command: Command) => {
      if (options.active && options.inactive) throw usageError('--active and --inactive contradict each other');
      const changes = {
        ...(options.name !== undefined && { name: options.name }),
        ...(options.description !== undefined && { description: options.description }),
        ...(options.priceCents !== undefined && { priceCents: options.priceCents }),
        ...((options.active || options.inactive) && { active: Boolean(options.active) }),
      };
      if (Object.keys(changes).length === 0) throw usageError('nothing to change: give --name, --description, --price-cents, --active or --inactive');
      const api = await apiClient(command, 'admin');
      const product = await answer(api.products[':sku'].$patch({ param: { sku: pathParam(sku, '<sku>') }, json: changes }));
      if (globalOptions(command).json) return printJson(product);
      printProduct(product);
    });
}

function printProduct(product: Product): void {
  printFields([
    ['sku', product.sku],
    ['name', product.name],
    ['price', formatMoney(product.priceCents, product.currency)],
    ['active', product.active ? 'yes' : 'no'],
    ['updated', formatTime(product.updatedAt)],
  ]);
}
