import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { answer, pathParam } from '../support/api-client.js';
import { apiClient, globalOptions } from '../support/context.js';
import { printOrder } from '../support/order-output.js';
import { printJson } from '../support/output.js';

interface Line {
  sku: string;
  quantity: number;
}

/** `--line SKU=QTY`, repeatable: each one adds a line. */
function collectLine(value: string, lines: Line[] = []): Line[] {
  const match = /^([^=\s]+)=(\d+)$/.exec(value.trim());
  const quantity = Number(match?.[2]);
  if (!match?.[1] || !Number.isSafeInteger(quantity) || quantity < 1) throw new InvalidArgumentError('--line must be SKU=QUANTITY, a whole quantity ≥ 1 (e.g. TEE-BLK-M=2)');
  return [...lines, { sku: match[1], quantity }];
}

/** `orders ship|deliver|receive-return`: staff's fulfilment steps, each answered with the order. */
export function registerFulfilmentCommands(orders: Command): void {
  orders
    .command('ship')
    .description('record a shipment (every unit not shipped yet, or the --line ones); the first one captures the payment')
    .argument('<orderId>', 'the order ID')
    .requiredOption('--carrier <carrier>', 'who carries it (e.g. DHL)')
    .requiredOption('--tracking <number>', "the carrier's tracking number")
    .option('--line <SKU=QTY>', 'units of one SKU in this shipment (repeat for more SKUs); none: everything not shipped yet', collectLine)
    .option('--idempotency-key <key>', 'names this shipment: a retry with the same key ships nothing twice (default: a new key, printed)')
    .action(async (orderId: string, options: { carrier: string; tracking: string; line?: Line[]; idempotencyKey?: string }, command: Command) => {
      const key = options.idempotencyKey ?? randomUUID();
      // On stderr before the call: whatever happens to the call, the retry's key is on screen.
      if (options.idempotencyKey === undefined) process.stderr.write(`idempotency key: ${key} (to retry this shipment: --idempotency-key ${key})\n`);
      const api = await apiClient(command, 'operator');
      const order = await answer(
        api.orders[':orderId'].shipments.$post({
          param: { orderId: pathParam(orderId, '<orderId>') },
          header: { 'idempotency-key': key },
          json: { carrier: options.carrier, trackingNumber: options.tracking, ...(options.line && { lines: options.line }) },
        }),
      );
      if (globalOptions(command).json) return printJson(order);
      printOrder(order);
    });

  orders
    .command('deliver')
    .description('record that a shipment arrived (once everything arrived, the return window opens)')
    .argument('<orderId>', 'the order ID')
    .argument('<shipmentId>', 'the shipment ID, as `orders show` lists it')
    .action(async (orderId: string, shipmentId: string, _options: object, command: Command) => {
      const api = await apiClient(command, 'operator');
      const param = { orderId: pathParam(orderId, '<orderId>'), shipmentId: pathParam(shipmentId, '<shipmentId>') };
      const order = await answer(api.orders[':orderId'].shipments[':shipmentId'].delivery.$post({ param }));
      if (globalOptions(command).json) return printJson(order);
      printOrder(order);
    });

  orders
    .command('receive-return')
    .description('record that a return arrived: its units restocked (unless --no-restock) and refunded')
    .argument('<orderId>', 'the order ID')
    .argument('<returnId>', 'the return ID, as `orders show` lists it')
    .option('--no-restock', 'the units do not go back to available stock (damaged, not resellable)')
    .action(async (orderId: string, returnId: string, options: { restock: boolean }, command: Command) => {
      const api = await apiClient(command, 'operator');
      const param = { orderId: pathParam(orderId, '<orderId>'), returnId: pathParam(returnId, '<returnId>') };
      const order = await answer(api.orders[':orderId'].returns[':returnId'].receipt.$post({ param, json: { restock: options.restock } }));
      if (globalOptions(command).json) return printJson(order);
      printOrder(order);
    });
}
