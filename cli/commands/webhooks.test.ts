import { beforeEach, describe, expect, it } from 'vitest';
import type { NewWebhookSubscription, WebhookSubscriptionChanges } from '../../activities/notification/webhooks.contract.js';
import { cliInMemory } from '../../test/support/cli-in-memory.js';
import { fastApp, type FastApp } from '../../test/support/fast-app.js';
import { sealedSubscription, webhookDelivery, webhookSubscription } from '../../test/support/memory-reads.js';
import { deliverWebhooksWorkflowId } from '../../workflows/webhooks.contract.js';
import { runCli } from '../program.js';

// `orderflow webhooks …` against the real HTTP app in memory: the CLI's fetch is routed to
// app.request() (no network), so what it sends goes through the real routes and reaches the fake
// Temporal client, whose webhook workflows below change the in-memory store.
const SUB = '5d0c3a0e-7f1b-4c2a-9e8d-1a2b3c4d5e6f';
const NEW_ID = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const DELIVERY = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';
const ORDER = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const API = 'http://orderflow.test';

let app: FastApp;
const output = cliInMemory(() => app);
let admin: string;

beforeEach(async () => {
  app = fastApp();
  app.store.webhookSubscriptions.push(webhookSubscription(SUB, { description: 'ERP' }));
  app.store.webhookDeliveries.push(
    webhookDelivery(DELIVERY, SUB, {
      orderId: ORDER,
      status: 'FAILED',
      failure: 'the receiver answered 410',
      attempts: [{ attempt: 1, startedAt: '2026-12-07T09:00:00.000Z', finishedAt: '2026-12-07T09:00:01.000Z', statusCode: 410, latencyMs: 80, responseExcerpt: 'gone', error: null }],
    }),
  );
  app.temporal
    .resultOf('CreateWebhookSubscription', ([input]: unknown[]) => {
      const { url, events, enabled, description } = input as NewWebhookSubscription;
      return { ok: true, value: sealedSubscription(input, webhookSubscription(NEW_ID, { url, events, enabled: enabled ?? true, description: description ?? null }), SECRET) };
    })
    .resultOf('UpdateWebhookSubscription', ([input]: unknown[]) => {
      const { subscriptionId, changes } = input as { subscriptionId: string; changes: WebhookSubscriptionChanges };
      return { ok: true, value: webhookSubscription(subscriptionId, changes) };
    })
    .resultOf('DeleteWebhookSubscription', ([input]: unknown[]) => ({ ok: true, value: input }));
  admin = await app.token('root', ['admin']);
});

/** Runs `orderflow --api-url … --token <admin> <args>`; the exit code it set (0 when none). */
async function orderflow(...args: string[]): Promise<number> {
  await runCli(['--api-url', API, '--token', admin, ...args]);
  return Number(process.exitCode ?? 0);
}

describe('orderflow webhooks create', () => {
  it('sends the URL, every --event, the description and --disabled; prints the subscription and its secret, once', async () => {
    const code = await orderflow('webhooks', 'create', '--url', 'https://hooks.example.com/o', '--event', 'order.placed', 'order.shipped', '--event', 'payment.captured', '--description', 'ERP', '--disabled');
    expect(code, output.stderr).toBe(0);
    expect(app.temporal.started).toEqual([
      expect.objectContaining({ workflowType: 'CreateWebhookSubscription', args: [{ url: 'https://hooks.example.com/o', events: ['order.placed', 'order.shipped', 'payment.captured'], description: 'ERP', enabled: false, sealTo: expect.any(String) }] }),
    ]);
    expect(output.stdout).toMatch(new RegExp(`^subscription: +${NEW_ID}$`, 'm'));
    expect(output.stdout).toMatch(/^enabled: +no$/m);
    expect(output.stdout).toMatch(new RegExp(`^secret: +${SECRET}$`, 'm'));
    expect(output.stderr).toContain('never shown again');
  });

  it('an event type it does not know, or none, is a usage error that sends nothing', async () => {
    expect(await orderflow('webhooks', 'create', '--url', 'https://hooks.example.com/o', '--event', 'order.exploded')).toBe(2);
    expect(output.stderr).toContain('order.exploded');
    expect(await orderflow('webhooks', 'create', '--url', 'https://hooks.example.com/o')).toBe(2);
    expect(app.temporal.untouched).toBe(true);
  });

  it("the API's refusal of the URL is an error line with its code, exit 2", async () => {
    expect(await orderflow('webhooks', 'create', '--url', 'https://me:pw@hooks.example.com/o', '--event', 'order.placed')).toBe(2);
    expect(output.stderr).toMatch(/^error: VALIDATION_FAILED/);
    expect(app.temporal.untouched).toBe(true);
  });
});

describe('orderflow webhooks list, update, delete', () => {
  it('list prints a table of subscriptions; --json the page', async () => {
    expect(await orderflow('webhooks', 'list'), output.stderr).toBe(0);
    expect(output.stdout).toMatch(new RegExp(`${SUB}.+https://hooks\\.example\\.com/orderflow.+order\\.confirmed.+yes.+ERP`));
    output.stdout = '';
    expect(await orderflow('--json', 'webhooks', 'list')).toBe(0);
    expect(JSON.parse(output.stdout)).toEqual({ items: [expect.objectContaining({ subscriptionId: SUB })], nextCursor: null });
  });

  it('update sends only the changes given; none is a usage error', async () => {
    expect(await orderflow('webhooks', 'update', SUB, '--disabled', '--event', 'order.shipped'), output.stderr).toBe(0);
    expect(app.temporal.started.at(-1)).toMatchObject({ workflowType: 'UpdateWebhookSubscription', args: [{ subscriptionId: SUB, changes: { events: ['order.shipped'], enabled: false } }] });
    expect(output.stdout).toMatch(/^events: +order\.shipped$/m);
    expect(await orderflow('webhooks', 'update', SUB)).toBe(2);
    expect(output.stderr).toContain('nothing to change');
    expect(await orderflow('webhooks', 'update', SUB, '--enabled', '--disabled')).toBe(2);
    expect(app.temporal.started).toHaveLength(1);
  });

  it('delete deletes it; an unknown one is NOT_FOUND, exit 1', async () => {
    expect(await orderflow('webhooks', 'delete', SUB), output.stderr).toBe(0);
    expect(output.stdout).toBe(`deleted ${SUB}\n`);
    expect(app.temporal.started).toEqual([expect.objectContaining({ workflowType: 'DeleteWebhookSubscription', args: [{ subscriptionId: SUB }] })]);
    expect(await orderflow('webhooks', 'delete', NEW_ID)).toBe(1);
    expect(output.stderr).toMatch(new RegExp(`^error: NOT_FOUND: Webhook subscription ${NEW_ID} not found$`, 'm'));
  });
});

describe('orderflow webhooks deliveries and redeliver', () => {
  it("deliveries prints the log: each delivery's status, why it failed, its attempts and the last answer", async () => {
    expect(await orderflow('webhooks', 'deliveries', SUB), output.stderr).toBe(0);
    expect(output.stdout).toMatch(new RegExp(`${DELIVERY}.+order\\.confirmed.+${ORDER}.+FAILED \\(the receiver answered 410\\).+1.+410`));
  });

  it("redeliver queues a redelivery on the pair's DeliverWebhooks run and says what it was", async () => {
    expect(await orderflow('webhooks', 'redeliver', SUB, DELIVERY), output.stderr).toBe(0);
    expect(app.temporal.signals).toEqual([{ workflowId: deliverWebhooksWorkflowId(SUB, ORDER), signal: 'deliveriesQueued', args: [[{ deliveryId: DELIVERY, redeliver: true }]] }]);
    expect(output.stdout).toBe(`redelivery of ${DELIVERY} (order.confirmed, order ${ORDER}) queued; it was FAILED\n`);
  });
});
