import { Option, type Command } from 'commander';
import { OrderStatusSchema } from '../../api/schemas.js';
import { answer, pathParam } from '../support/api-client.js';
import { apiClient, globalOptions, integerArgument } from '../support/context.js';
import { printOrder } from '../support/order-output.js';
import { formatMoney, formatTime, printJson, printNextPageHint, printTable } from '../support/output.js';
import { registerFulfilmentCommands } from './fulfilment.js';

const ORDER_STATUSES = OrderStatusSchema.options;

/** `orders list|show|cancel|ship|deliver|receive-return`: as an operator (any customer's orders), through the API. */
export function registerOrderCommands(program: Command): void {
  const orders = program.command('orders').description('list, show, cancel and fulfil orders (as an operator)');

  orders
    .command('list')
    .description('orders, newest first')
    .addOption(new Option('--status <status>', 'only orders in this status').choices(ORDER_STATUSES))
    .option('--limit <n>', 'orders per page (1-100)', integerArgument('--limit', { min: 1, max: 100 }), 20)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(async (options: { status?: (typeof ORDER_STATUSES)[number]; limit: number; cursor?: string }, command: Command) => {
      const api = await apiClient(command, 'operator');
      const page = await answer(api.orders.$get({ query: { status: options.status, limit: String(options.limit), cursor: options.cursor } }));
      if (globalOptions(command).json) return printJson(page);
      printTable(
        ['order', 'customer', 'status', 'total', 'created'],
        page.items.map((order) => [order.orderId, order.customerId, order.status, formatMoney(order.totalCents, order.currency), formatTime(order.createdAt)]),
      );
      printNextPageHint(page.nextCursor);
    });

  orders
    .command('show')
    .description('one order: its lines, its status and the emails sent for it')
    .argument('<orderId>', 'the order ID (a UUID; its workflow is order-<orderId>)')
    .action(async (orderId: string, _options: object, command: Command) => {
      const api = await apiClient(command, 'operator');
      const order = await answer(api.orders[':orderId'].$get({ param: { orderId: pathParam(orderId, '<orderId>') } }));
      const { items: notifications } = await answer(api.orders[':orderId'].notifications.$get({ param: { orderId: pathParam(orderId, '<orderId>') } }));
      if (globalOptions(command).json) return printJson({ ...order, notifications });
      printOrder(order);
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
