import { Option, type Command } from 'commander';
import { OrderStatusSchema } from '../../api/schemas.js';
import { answer, pathParam } from '../support/api-client.js';
import { apiClient, globalOptions, integerArgument } from '../support/context.js';
import { printOrder } from '../support/order-output.js';
import { formatMoney, formatTime, printJson, printNextPageHint, printTable } from '../support/output.js';
import { printTimeline, type OrderEvent } from '../support/timeline-output.js';
import { registerFulfilmentCommands } from './fulfilment.js';

const ORDER_STATUSES = OrderStatusSchema.options;

/** An order's whole timeline, page after page (an order's life is a few dozen events at most). */
async function timelineOf(api: Awaited<ReturnType<typeof apiClient>>, param: { orderId: string }): Promise<OrderEvent[]> {
  const events: OrderEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await answer(api.orders[':orderId'].events.$get({ param, query: { limit: '100', cursor } }));
    events.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return events;
}

/** `orders list|show|cancel|ship|deliver|receive-return`: as an operator (any customer's orders), through the API. */
export function registerOrderCommands(program: Command): void {
  const orders = program.command('orders').description('list, show, cancel and fulfil orders (as an operator)');

  orders
    .command('list')
    .description('orders, newest first; every filter given must hold')
    .addOption(new Option('--status <status>', 'only orders in this status').choices(ORDER_STATUSES))
    .option('--customer <customerId>', "only this customer's orders")
    .option('--sku <sku>', 'only orders having a line of this SKU')
    .option('--from <time>', 'only orders created at or after this ISO 8601 time (e.g. 2026-12-01T00:00:00Z)')
    .option('--to <time>', 'only orders created before this ISO 8601 time (after --from)')
    .option('--limit <n>', 'orders per page (1-100)', integerArgument('--limit', { min: 1, max: 100 }), 20)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one (with the same filters)')
    .action(async (options: { status?: (typeof ORDER_STATUSES)[number]; customer?: string; sku?: string; from?: string; to?: string; limit: number; cursor?: string }, command: Command) => {
      const api = await apiClient(command, 'operator');
      const { status, customer, sku, from, to, cursor } = options;
      const page = await answer(api.orders.$get({ query: { status, customer, sku, from, to, limit: String(options.limit), cursor } }));
      if (globalOptions(command).json) return printJson(page);
      printTable(
        ['order', 'customer', 'status', 'total', 'created'],
        page.items.map((order) => [order.orderId, order.customerId, order.status, formatMoney(order.totalCents, order.currency), formatTime(order.createdAt)]),
      );
      printNextPageHint(page.nextCursor);
    });

  orders
    .command('show')
    .description('one order: its lines, its status, its timeline (every change, by whom) and the emails sent for it')
    .argument('<orderId>', 'the order ID (a UUID; its workflow is order-<orderId>)')
    .action(async (orderId: string, _options: object, command: Command) => {
      const api = await apiClient(command, 'operator');
      const param = { orderId: pathParam(orderId, '<orderId>') };
      const order = await answer(api.orders[':orderId'].$get({ param }));
      const [{ items: notifications }, events] = await Promise.all([answer(api.orders[':orderId'].notifications.$get({ param })), timelineOf(api, param)]);
      if (globalOptions(command).json) return printJson({ ...order, events, notifications });
      printOrder(order);
      if (events.length > 0) {
        process.stdout.write('\n');
        printTimeline(events);
      }
      if (notifications.length > 0) {
        process.stdout.write('\n');
        printTable(['email', 'to', 'status', 'sent'], notifications.map((mail) => [mail.kind, mail.to, mail.status, formatTime(mail.sentAt)]));
      }
    });

  orders
    .command('cancel')
    .description('cancel an order until its first shipment (releases its stock, emails the customer)')
    .argument('<orderId>', 'the order ID')
    .action(async (orderId: string, _options: object, command: Command) => {
      const api = await apiClient(command, 'operator');
      const order = await answer(api.orders[':orderId'].cancel.$post({ param: { orderId: pathParam(orderId, '<orderId>') } }));
      if (globalOptions(command).json) return printJson(order);
      printOrder(order);
    });

  registerFulfilmentCommands(orders);
}
