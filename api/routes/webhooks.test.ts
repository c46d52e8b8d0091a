import { describe, expect, it } from 'vitest';
import { DEFAULT_WEBHOOK_RETRY, WEBHOOK_LIMITS, type NewWebhookSubscription, type WebhookSubscriptionChanges } from '../../activities/notification/webhooks.contract.js';
import { fastApp, limitAfter, type FastAppOptions } from '../../test/support/fast-app.js';
import { sealedSubscription, webhookDelivery, webhookSubscription } from '../../test/support/memory-reads.js';
import { sealingKey } from '../../common/sealed-secret.js';
import { INTERACTIVE_PRIORITY } from '../../common/task-priority.js';
import { deliverWebhooksWorkflowId } from '../../workflows/webhooks.contract.js';

// The webhook routes through the real HTTP app: who may call them, what they refuse before
// starting anything, which workflow each change starts (with what), and how its refusals answer.
// The fake workflows below change the in-memory store as the notification service would.
const SUB = '5d0c3a0e-7f1b-4c2a-9e8d-1a2b3c4d5e6f';
const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const DELIVERY = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';
const ORDER = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEW_ID = 'f0e1d2c3-b4a5-4968-8776-655443322110';

/** An app with one subscription and one delivery of it, and webhook workflows that change the store. */
async function seededApp(options: FastAppOptions = {}) {
  const app = fastApp(options);
  app.store.webhookSubscriptions.push(webhookSubscription(SUB, { events: ['order.confirmed', 'order.shipped'] }));
  app.store.webhookDeliveries.push(webhookDelivery(DELIVERY, SUB, { orderId: ORDER, status: 'FAILED', failure: 'the receiver answered 410' }));
  app.temporal
    .resultOf('CreateWebhookSubscription', ([input]: unknown[]) => {
      const { url, events, enabled, description } = input as NewWebhookSubscription;
      if (new URL(url).hostname.endsWith('.internal')) return { ok: false, reason: 'WEBHOOK_TARGET_REFUSED', message: `${url} resolves to 10.0.0.7` };
      const created = webhookSubscription(NEW_ID, { url, events, enabled: enabled ?? true, description: description ?? null });
      app.store.webhookSubscriptions.push(created);
      return { ok: true, value: sealedSubscription(input, created, SECRET) };
    })
    .resultOf('UpdateWebhookSubscription', ([input]: unknown[]) => {
      const { subscriptionId, changes } = input as { subscriptionId: string; changes: WebhookSubscriptionChanges };
      const found = app.store.webhookSubscriptions.find((subscription) => subscription.subscriptionId === subscriptionId);
      if (!found) return { ok: false, reason: 'WEBHOOK_NOT_FOUND', message: `Webhook subscription ${subscriptionId} not found` };
      Object.assign(found, changes);
      return { ok: true, value: found };
    })
    .resultOf('DeleteWebhookSubscription', ([input]: unknown[]) => {
      const { subscriptionId } = input as { subscriptionId: string };
      app.store.webhookSubscriptions = app.store.webhookSubscriptions.filter((subscription) => subscription.subscriptionId !== subscriptionId);
      return { ok: true, value: { subscriptionId } };
    });
  return Object.assign(app, { admin: await app.token('root', ['admin']), operator: await app.token('ops', ['operator']), customer: await app.token('alice', ['customer']) });
}

type App = Awaited<ReturnType<typeof seededApp>>;
const create = (app: App, body: unknown) => app.request('POST', '/webhooks', { token: app.admin, body });
const NEW = { url: 'https://hooks.example.com/orders', events: ['order.placed', 'order.confirmed'] };

describe('who may call the webhook routes', () => {
  const calls = [
    ['GET', '/webhooks', undefined],
    ['POST', '/webhooks', NEW],
    ['GET', `/webhooks/${SUB}`, undefined],
    ['PATCH', `/webhooks/${SUB}`, { enabled: false }],
    ['DELETE', `/webhooks/${SUB}`, undefined],
    ['GET', `/webhooks/${SUB}/deliveries`, undefined],
    ['POST', `/webhooks/${SUB}/deliveries/${DELIVERY}/redeliver`, undefined],
  ] as const;

  it.each(calls)('%s %s: 403 for operators and customers, 401 without a token; nothing started', async (method, path, body) => {
    const app = await seededApp();
    for (const token of [app.operator, app.customer]) {
      const response = await app.request(method, path, { token, ...(body && { body }) });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
    expect((await app.request(method, path, { ...(body && { body }) })).status).toBe(401);
    expect(app.temporal.untouched).toBe(true);
  });
});

describe('POST /webhooks', () => {
  it('starts CreateWebhookSubscription on the webhooks queue at interactive priority, and answers 201 with the secret and Location', async () => {
    const app = await seededApp();
    const response = await create(app, { ...NEW, description: '  ERP sync  ', enabled: false });
    expect(response.status, response.text).toBe(201);
    expect(response.headers.get('location')).toBe(`/webhooks/${NEW_ID}`);
    expect(response.body).toMatchObject({ subscriptionId: NEW_ID, url: NEW.url, events: NEW.events, enabled: false, description: 'ERP sync', secret: SECRET });
    expect(app.temporal.started).toEqual([
      expect.objectContaining({ call: 'execute', workflowType: 'CreateWebhookSubscription', args: [{ ...NEW, enabled: false, description: 'ERP sync', sealTo: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----\n/) }], priority: INTERACTIVE_PRIORITY }),
    ]);
    expect(Object.keys(response.body).sort()).toEqual(['createdAt', 'description', 'enabled', 'events', 'secret', 'subscriptionId', 'updatedAt', 'url']);
  });

  it('the secret crosses Temporal sealed: a one-off key per request, opened by the API alone', async () => {
    const app = await seededApp();
    let answered: unknown;
    // Keep what the workflow answered, as Temporal would hold it in the run's history.
    app.temporal.resultOf('CreateWebhookSubscription', ([input]: unknown[]) => {
      const { url, events } = input as NewWebhookSubscription;
      answered = { ok: true, value: sealedSubscription(input, webhookSubscription(NEW_ID, { url, events }), SECRET) };
      return answered;
    });
    expect((await create(app, NEW)).body.secret).toBe(SECRET);
    expect((await create(app, NEW)).body.secret).toBe(SECRET);
    const [first, second] = app.temporal.started.map((started) => (started.args[0] as { sealTo: string }).sealTo);
    expect(first).not.toBe(second);
    expect(JSON.stringify(app.temporal.started)).not.toContain('whsec_');
    expect(JSON.stringify(answered)).not.toContain('whsec_');
  });

  it('a sealed secret the API cannot open (not sealed to its key) is a 500, with no secret answered', async () => {
    const app = await seededApp();
    const another = await sealingKey();
    app.temporal.resultOf('CreateWebhookSubscription', () => ({ ok: true, value: sealedSubscription({ sealTo: another.publicKey }, webhookSubscription(NEW_ID), SECRET) }));
    const response = await create(app, NEW);
    expect(response.status).toBe(500);
    expect(response.text).not.toContain('whsec_');
  });

  it('the secret is in the create answer only: never in a read of the subscription or the list', async () => {
    const app = await seededApp();
    expect((await create(app, NEW)).body.secret).toBe(SECRET);
    const [one, list] = [await app.request('GET', `/webhooks/${NEW_ID}`, { token: app.admin }), await app.request('GET', '/webhooks', { token: app.admin })];
    expect(one.status).toBe(200);
    expect(one.body.subscriptionId).toBe(NEW_ID);
    expect(list.body.items.map((item: { subscriptionId: string }) => item.subscriptionId)).toEqual([SUB, NEW_ID]);
    expect(one.text + list.text).not.toContain('whsec_');
  });

  it.each([
    ['a scheme other than http(s)', { ...NEW, url: 'ftp://hooks.example.com/x' }],
    ['a URL with a user name and password', { ...NEW, url: 'https://user:pw@hooks.example.com/x' }],
    ['a URL with a user name', { ...NEW, url: 'https://user@hooks.example.com/x' }],
    ['not a URL', { ...NEW, url: 'hooks.example.com' }],
    ['a URL too long', { ...NEW, url: `https://hooks.example.com/${'a'.repeat(WEBHOOK_LIMITS.urlLength)}` }],
    ['an unknown event type', { ...NEW, events: ['order.exploded'] }],
    ['no events', { ...NEW, events: [] }],
    ['an event type twice', { ...NEW, events: ['order.placed', 'order.placed'] }],
    ['no URL', { events: NEW.events }],
    ['an unknown field', { ...NEW, secret: 'whsec_mine' }],
    ['a description too long', { ...NEW, description: 'x'.repeat(WEBHOOK_LIMITS.descriptionLength + 1) }],
  ])('refuses %s with 400 VALIDATION_FAILED, starting nothing', async (_, body) => {
    const app = await seededApp();
    const response = await create(app, body);
    expect(response.status, response.text).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(app.temporal.untouched).toBe(true);
  });

  it("answers the notification service's WEBHOOK_TARGET_REFUSED as 400 on url, without the address it resolved to", async () => {
    const app = await seededApp();
    const response = await create(app, { ...NEW, url: 'https://erp.internal/hooks' });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'url' }] });
    expect(response.body.error.message).toMatch(/address this deployment does not call/);
    expect(response.text).not.toContain('10.0.0.7');
  });

  it('answers WEBHOOK_LIMIT_REACHED as 409', async () => {
    const app = await seededApp();
    app.temporal.resultOf('CreateWebhookSubscription', { ok: false, reason: 'WEBHOOK_LIMIT_REACHED', message: `${WEBHOOK_LIMITS.subscriptions} subscriptions exist already` });
    const response = await create(app, NEW);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('CONFLICT');
  });

  it('is rate-limited per admin, as catalog writes are', async () => {
    const limiter = limitAfter(1);
    const app = await seededApp({ rateLimits: { catalogWrites: limiter } });
    expect((await create(app, NEW)).status).toBe(201);
    const limited = await create(app, NEW);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limiter.calls).toEqual(['root', 'root']);
  });
});

describe('GET /webhooks and /webhooks/{id}', () => {
  it('pages the list with the API\'s cursor convention', async () => {
    const app = await seededApp();
    app.store.webhookSubscriptions.push(webhookSubscription(OTHER_SUB));
    const first = await app.request('GET', '/webhooks?limit=1', { token: app.admin });
    expect(first.body.items.map((item: { subscriptionId: string }) => item.subscriptionId)).toEqual([SUB]);
    const second = await app.request('GET', `/webhooks?limit=1&cursor=${first.body.nextCursor}`, { token: app.admin });
    expect(second.body).toEqual({ items: [expect.objectContaining({ subscriptionId: OTHER_SUB })], nextCursor: null });
    expect((await app.request('GET', '/webhooks?cursor=bm90LWEtY3Vyc29y', { token: app.admin })).status).toBe(400);
  });

  it('404 for an unknown subscription, 400 for an ID that is not one', async () => {
    const app = await seededApp();
    expect((await app.request('GET', `/webhooks/${OTHER_SUB}`, { token: app.admin })).status).toBe(404);
    expect((await app.request('GET', '/webhooks/not-a-uuid', { token: app.admin })).status).toBe(400);
  });
});

describe('PATCH /webhooks/{id}', () => {
  it('starts UpdateWebhookSubscription with the changes and answers the subscription as changed', async () => {
    const app = await seededApp();
    const response = await app.request('PATCH', `/webhooks/${SUB}`, { token: app.admin, body: { enabled: false, events: ['order.shipped'], description: null } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ subscriptionId: SUB, enabled: false, events: ['order.shipped'], description: null });
    expect(response.body.secret).toBeUndefined();
    expect(app.temporal.started).toEqual([expect.objectContaining({ workflowType: 'UpdateWebhookSubscription', args: [{ subscriptionId: SUB, changes: { enabled: false, events: ['order.shipped'], description: null } }] })]);
  });

  it.each([
    ['no change', {}],
    ['an unknown field', { secret: 'whsec_x' }],
    ['a URL with a user name', { url: 'http://me@hooks.example.com/' }],
    ['no events', { events: [] }],
  ])('refuses %s with 400, starting nothing', async (_, body) => {
    const app = await seededApp();
    expect((await app.request('PATCH', `/webhooks/${SUB}`, { token: app.admin, body })).status).toBe(400);
    expect(app.temporal.untouched).toBe(true);
  });

  it('404 for an unknown subscription, starting nothing; a refused target from the workflow is a 400', async () => {
    const app = await seededApp();
    expect((await app.request('PATCH', `/webhooks/${OTHER_SUB}`, { token: app.admin, body: { enabled: true } })).status).toBe(404);
    expect(app.temporal.untouched).toBe(true);
    app.temporal.resultOf('UpdateWebhookSubscription', { ok: false, reason: 'WEBHOOK_TARGET_REFUSED', message: 'resolves to 127.0.0.1' });
    const refused = await app.request('PATCH', `/webhooks/${SUB}`, { token: app.admin, body: { url: 'https://localhost.example.com/' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'url', message: expect.any(String) }]);
  });

  it('a subscription deleted meanwhile (WEBHOOK_NOT_FOUND from the workflow) is a 404', async () => {
    const app = await seededApp();
    app.temporal.resultOf('UpdateWebhookSubscription', { ok: false, reason: 'WEBHOOK_NOT_FOUND', message: `Webhook subscription ${SUB} not found` });
    const response = await app.request('PATCH', `/webhooks/${SUB}`, { token: app.admin, body: { enabled: true } });
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', message: `Webhook subscription ${SUB} not found` });
  });
});

describe('DELETE /webhooks/{id}', () => {
  it('starts DeleteWebhookSubscription and answers 204; then the subscription is a 404', async () => {
    const app = await seededApp();
    const response = await app.request('DELETE', `/webhooks/${SUB}`, { token: app.admin });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(app.temporal.started).toEqual([expect.objectContaining({ workflowType: 'DeleteWebhookSubscription', args: [{ subscriptionId: SUB }] })]);
    expect((await app.request('DELETE', `/webhooks/${SUB}`, { token: app.admin })).status).toBe(404);
    expect(app.temporal.started).toHaveLength(1);
  });
});

describe('GET /webhooks/{id}/deliveries', () => {
  it("answers the subscription's deliveries newest first with their attempts, cursor paged; another subscription's are not in it", async () => {
    const app = await seededApp();
    const newer = 'd9e8f7a6-b5c4-4d3e-8f2a-1b0c9d8e7f6a';
    app.store.webhookSubscriptions.push(webhookSubscription(OTHER_SUB));
    app.store.webhookDeliveries.push(webhookDelivery('aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', OTHER_SUB), webhookDelivery(newer, SUB, { createdAt: '2026-12-07T10:00:00.000Z' }));
    const first = await app.request('GET', `/webhooks/${SUB}/deliveries?limit=1`, { token: app.admin });
    expect(first.status, first.text).toBe(200);
    expect(first.body.items).toEqual([expect.objectContaining({ deliveryId: newer, attempts: [expect.objectContaining({ attempt: 1, statusCode: 200 })] })]);
    const second = await app.request('GET', `/webhooks/${SUB}/deliveries?limit=1&cursor=${first.body.nextCursor}`, { token: app.admin });
    expect(second.body).toEqual({ items: [expect.objectContaining({ deliveryId: DELIVERY, status: 'FAILED' })], nextCursor: null });
  });

  it('404 for an unknown subscription', async () => {
    const app = await seededApp();
    expect((await app.request('GET', `/webhooks/${OTHER_SUB}/deliveries`, { token: app.admin })).status).toBe(404);
  });
});

describe('POST /webhooks/{id}/deliveries/{deliveryId}/redeliver', () => {
  it("signals-with-start the (subscription, order)'s DeliverWebhooks run with a redelivery and the configured retry; 202 with the delivery", async () => {
    const app = await seededApp();
    const response = await app.request('POST', `/webhooks/${SUB}/deliveries/${DELIVERY}/redeliver`, { token: app.admin });
    expect(response.status, response.text).toBe(202);
    expect(response.headers.get('location')).toBe(`/webhooks/${SUB}/deliveries`);
    expect(response.body).toMatchObject({ deliveryId: DELIVERY, subscriptionId: SUB, orderId: ORDER, status: 'FAILED' });
    const workflowId = deliverWebhooksWorkflowId(SUB, ORDER);
    expect(app.temporal.started).toEqual([
      expect.objectContaining({ call: 'signalWithStart', workflowType: 'DeliverWebhooks', workflowId, args: [{ subscriptionId: SUB, orderId: ORDER, retry: DEFAULT_WEBHOOK_RETRY }], priority: INTERACTIVE_PRIORITY }),
    ]);
    expect(app.temporal.signals).toEqual([{ workflowId, signal: 'deliveriesQueued', args: [[{ deliveryId: DELIVERY, redeliver: true }]] }]);
  });

  it("404 for a delivery it does not have, or another subscription's; nothing signalled", async () => {
    const app = await seededApp();
    app.store.webhookSubscriptions.push(webhookSubscription(OTHER_SUB));
    expect((await app.request('POST', `/webhooks/${OTHER_SUB}/deliveries/${DELIVERY}/redeliver`, { token: app.admin })).status).toBe(404);
    expect((await app.request('POST', `/webhooks/${SUB}/deliveries/${NEW_ID}/redeliver`, { token: app.admin })).status).toBe(404);
    expect((await app.request('POST', `/webhooks/${SUB}/deliveries/nope/redeliver`, { token: app.admin })).status).toBe(400);
    expect(app.temporal.untouched).toBe(true);
  });
});
