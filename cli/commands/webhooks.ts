import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../activities/notification/webhooks.contract.js';
import type { WebhookSubscriptionSchema } from '../../api/schemas.js';
import { answer, pathParam } from '../support/api-client.js';
import { usageError } from '../support/errors.js';
import { apiClient, globalOptions, integerArgument } from '../support/context.js';
import { formatTime, printFields, printJson, printNextPageHint, printTable } from '../support/output.js';

type Subscription = z.infer<typeof WebhookSubscriptionSchema>;

/** `--event <type...>`: one or more event types, the flag repeatable; each checked against the list. */
const eventOption = (description: string) => new Option('--event <type...>', description).choices(WEBHOOK_EVENT_TYPES);

/** `webhooks list|create|update|delete|deliveries|redeliver`: outbound webhooks, as an admin, through the API. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('subscribe URLs to order events, read their delivery log, redeliver (as an admin)');

  webhooks
    .command('list')
    .description('webhook subscriptions, oldest first')
    .option('--limit <n>', 'subscriptions per page (1-100)', integerArgument('--limit', { min: 1, max: 100 }), 20)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(async (options: { limit: number; cursor?: string }, command: Command) => {
      const api = await apiClient(command, 'admin');
      const page = await answer(api.webhooks.$get({ query: { limit: String(options.limit), cursor: options.cursor } }));
      if (globalOptions(command).json) return printJson(page);
      printTable(
        ['subscription', 'url', 'events', 'enabled', 'description'],
        page.items.map((subscription) => [subscription.subscriptionId, subscription.url, subscription.events.join(' '), subscription.enabled ? 'yes' : 'no', subscription.description ?? '-']),
      );
      printNextPageHint(page.nextCursor);
    });

  webhooks
    .command('create')
    .description('subscribe a URL to order events (the CreateWebhookSubscription workflow); prints its signing secret, once')
    .requiredOption('--url <url>', 'the receiver, http(s); its host must resolve to a public address')
    .addOption(eventOption('the event types to deliver (repeat the flag or list them)').makeOptionMandatory())
    .option('--description <text>', 'what it is for')
    .option('--disabled', 'create it without delivering anything yet')
    .action(async (options: { url: string; event: WebhookEventType[]; description?: string; disabled?: boolean }, command: Command) => {
      const api = await apiClient(command, 'admin');
      const body = { url: options.url, events: options.event, ...(options.description !== undefined && { description: options.description }), ...(options.disabled && { enabled: false }) };
      const created = await answer(api.webhooks.$post({ json: body }));
      if (globalOptions(command).json) return printJson(created);
      printSubscription(created);
      printFields([['secret', created.secret]]);
      process.stderr.write('keep the secret now: it verifies the webhook-signature header, and is never shown again\n');
    });

  webhooks
    .command('update')
    .description('change a subscription (the UpdateWebhookSubscription workflow); give at least one change')
    .argument('<id>', 'the subscription ID')
    .option('--url <url>', 'a new receiver URL')
    .addOption(eventOption('the event types to deliver from now on (replaces the list)'))
    .option('--description <text>', 'a new description')
    .option('--enabled', 'deliver events to it')
    .option('--disabled', 'stop delivering events to it')
    .action(async (id: string, options: { url?: string; event?: WebhookEventType[]; description?: string; enabled?: boolean; disabled?: boolean }, command: Command) => {
      if (options.enabled && options.disabled) throw usageError('--enabled and --disabled contradict each other');
      const changes = {
        ...(options.url !== undefined && { url: options.url }),
        ...(options.event !== undefined && { events: options.event }),
        ...(options.description !== undefined && { description: options.description }),
        ...((options.enabled || options.disabled) && { enabled: Boolean(options.enabled) }),
      };
      if (Object.keys(changes).length === 0) throw usageError('nothing to change: give --url, --event, --description, --enabled or --disabled');
      const api = await apiClient(command, 'admin');
      const subscription = await answer(api.webhooks[':id'].$patch({ param: { id: pathParam(id, '<id>') }, json: changes }));
      if (globalOptions(command).json) return printJson(subscription);
      printSubscription(subscription);
    });

  webhooks
    .command('delete')
    .description('delete a subscription and its delivery log; its queued deliveries end FAILED')
    .argument('<id>', 'the subscription ID')
    .action(async (id: string, _options: object, command: Command) => {
      const api = await apiClient(command, 'admin');
      await answer(api.webhooks[':id'].$delete({ param: { id: pathParam(id, '<id>') } }));
      if (globalOptions(command).json) return printJson({ subscriptionId: id, deleted: true });
      process.stdout.write(`deleted ${id}\n`);
    });

  webhooks
    .command('deliveries')
    .description("a subscription's delivery log, newest first: each delivery's status and attempts")
    .argument('<id>', 'the subscription ID')
    .option('--limit <n>', 'deliveries per page (1-100)', integerArgument('--limit', { min: 1, max: 100 }), 20)
    .option('--cursor <cursor>', 'the next page, as printed after the previous one')
    .action(async (id: string, options: { limit: number; cursor?: string }, command: Command) => {
      const api = await apiClient(command, 'admin');
      const page = await answer(api.webhooks[':id'].deliveries.$get({ param: { id: pathParam(id, '<id>') }, query: { limit: String(options.limit), cursor: options.cursor } }));
      if (globalOptions(command).json) return printJson(page);
      printTable(
        ['delivery', 'event', 'order', 'status', 'attempts', 'last answer', 'created'],
        page.items.map((delivery) => {
          const last = delivery.attempts.at(-1);
          const lastAnswer = last ? (last.statusCode !== null ? String(last.statusCode) : (last.error ?? 'no answer')) : '-';
          return [delivery.deliveryId, delivery.eventType, delivery.orderId, delivery.failure ? `${delivery.status} (${delivery.failure})` : delivery.status, delivery.attempts.length, lastAnswer, formatTime(delivery.createdAt)];
        }),
      );
      printNextPageHint(page.nextCursor);
    });

  webhooks
    .command('redeliver')
    .description('send a delivery again, whatever its status, with the same webhook-id; its attempts show in `webhooks deliveries`')
    .argument('<id>', 'the subscription ID')
    .argument('<deliveryId>', 'the delivery ID, as `webhooks deliveries` lists it')
    .action(async (id: string, deliveryId: string, _options: object, command: Command) => {
      const api = await apiClient(command, 'admin');
      const delivery = await answer(api.webhooks[':id'].deliveries[':deliveryId'].redeliver.$post({ param: { id: pathParam(id, '<id>'), deliveryId: pathParam(deliveryId, '<deliveryId>') } }));
      if (globalOptions(command).json) return printJson(delivery);
      process.stdout.write(`redelivery of ${delivery.deliveryId} (${delivery.eventType}, order ${delivery.orderId}) queued; it was ${delivery.status}\n`);
    });
}

function printSubscription(subscription: Subscription): void {
  printFields([
    ['subscription', subscription.subscriptionId],
    ['url', subscription.url],
    ['events', subscription.events.join(' ')],
    ['enabled', subscription.enabled ? 'yes' : 'no'],
    ['description', subscription.description ?? '-'],
    ['updated', formatTime(subscription.updatedAt)],
  ]);
}
