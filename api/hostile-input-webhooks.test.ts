import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { WEBHOOK_LIMITS, type NewWebhookSubscription } from '../activities/notification/webhooks.contract.js';
import { checkWebhookTarget } from '../activities/notification/webhook-target.js';
import { listDeliveries } from '../activities/notification/webhooks.repository.js';
import { searchOrders } from '../activities/order/search.js';
import { listOrderEvents } from '../activities/order/timeline.js';
import { encodeCursor, InvalidCursorError } from '../common/pagination.js';
import { expect4xx } from '../test/support/api-refusal.js';
import { BODY_LIMIT_BYTES, fastApp, type FastApp, type RequestOptions } from '../test/support/fast-app.js';
import { order, sealedSubscription, webhookDelivery, webhookSubscription } from '../test/support/memory-reads.js';

// The hostile-input sweep of the newer endpoints (an order's events, order search, the admin
// webhooks API), as api/hostile-input.test.ts does it for the older ones: every refusal is a 4xx
// in the API's error shape, and nothing is asked of Temporal.
const ORDER_ID = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';
const SUB = '5d0c3a0e-7f1b-4c2a-9e8d-1a2b3c4d5e6f';
const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const DELIVERY = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';
const OTHER_DELIVERY = 'd9e8f7a6-b5c4-4d3e-8f2a-1b0c9d8e7f6a';
const NEW_ID = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const NEW = { url: 'https://hooks.example.com/orders', events: ['order.placed', 'order.confirmed'] };

type Who = 'admin' | 'operator' | 'customer' | 'anonymous';

async function seededApp(): Promise<FastApp & Record<Exclude<Who, 'anonymous'>, string>> {
  const app = fastApp();
  app.store.orders.push(order(ORDER_ID, 'alice'));
  app.store.webhookSubscriptions.push(webhookSubscription(SUB), webhookSubscription(OTHER_SUB));
  app.store.webhookDeliveries.push(webhookDelivery(DELIVERY, SUB, { orderId: ORDER_ID }), webhookDelivery(OTHER_DELIVERY, OTHER_SUB, { orderId: ORDER_ID }));
  // What the notification service answers a valid subscription with (its target check is its own, below).
  app.temporal.resultOf('CreateWebhookSubscription', ([input]: unknown[]) => {
    const { url, events, enabled, description } = input as NewWebhookSubscription;
    return { ok: true, value: sealedSubscription(input, webhookSubscription(NEW_ID, { url, events, enabled: enabled ?? true, description: description ?? null }), 'whsec_x') };
  });
  app.temporal.resultOf('UpdateWebhookSubscription', () => ({ ok: true, value: webhookSubscription(SUB) }));
  return Object.assign(app, { admin: await app.token('root', ['admin']), operator: await app.token('ops', ['operator']), customer: await app.token('alice', ['customer']) });
}

/** Sends a request as `as` (admin by default) and expects it refused, with nothing started, signalled or updated. */
async function expectRefused(method: string, path: string, options: Omit<RequestOptions, 'token'> & { as?: Who } = {}, status = 400, code = 'VALIDATION_FAILED') {
  const app = await seededApp();
  const { as = 'admin', ...rest } = options;
  const response = await app.request(method, path, { ...rest, ...(as !== 'anonymous' && { token: app[as] }) });
  expect4xx(response, status, code);
  expect(app.temporal.untouched).toBe(true);
  return response;
}

/** Sends as an admin and expects it accepted: the workflow started, once. */
async function expectAccepted(method: string, path: string, body: unknown, status: number) {
  const app = await seededApp();
  const response = await app.request(method, path, { token: app.admin, body });
  expect(response.status, response.text).toBe(status);
  expect(app.temporal.started).toHaveLength(1);
  return { app, response };
}

const WEBHOOK_WRITES: Array<[string, string, unknown]> = [
  ['POST', '/webhooks', NEW],
  ['PATCH', `/webhooks/${SUB}`, { enabled: false }],
];
const URL_WRITES: Array<[string, string, (url: string) => unknown]> = [
  ['POST', '/webhooks', (url) => ({ ...NEW, url })],
  ['PATCH', `/webhooks/${SUB}`, (url) => ({ url })],
];

describe('webhook bodies that are not JSON, too large, or absent', () => {
  it.each(WEBHOOK_WRITES)('%s %s: malformed JSON is a 400', async (method, path) => {
    await expectRefused(method, path, { body: '{"url":' });
  });

  it.each(WEBHOOK_WRITES)('%s %s: a Content-Type other than JSON is a 415', async (method, path, body) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'multipart/form-data; boundary=x']) {
      await expectRefused(method, path, { body: JSON.stringify(body), headers: { 'content-type': type } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it.each(WEBHOOK_WRITES)('%s %s: a body over the limit is a 413', async (method, path) => {
    await expectRefused(method, path, { body: JSON.stringify({ ...NEW, description: 'x'.repeat(BODY_LIMIT_BYTES) }) }, 413, 'PAYLOAD_TOO_LARGE');
  });

  it.each(WEBHOOK_WRITES)('%s %s: no body at all is a 400', async (method, path) => {
    await expectRefused(method, path);
  });

  it.each(WEBHOOK_WRITES)('%s %s: an empty JSON body is a 400', async (method, path) => {
    await expectRefused(method, path, { body: '', headers: { 'content-type': 'application/json' } });
  });

  it('redeliver takes no body, but one that is sent is held to the rules (415, 413)', async () => {
    const path = `/webhooks/${SUB}/deliveries/${DELIVERY}/redeliver`;
    await expectRefused('POST', path, { body: 'again', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    await expectRefused('POST', path, { body: JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT_BYTES) }) }, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('webhook URLs', () => {
  const HOST = 'https://hooks.example.com';
  const refusedUrls: Array<[string, string]> = [
    ['a NUL byte in the path', `${HOST}/a\u0000b`],
    ['a NUL byte in the query', `${HOST}/?x=\u0000`],
    ['a bell (C0 control)', `${HOST}/ring\u0007`],
    ['an escape sequence', `${HOST}/\u001b[31m`],
    ['a C1 control (NEL)', `${HOST}/next\u0085line`],
    ['DEL', `${HOST}/rub\u007fout`],
    ['a lone surrogate', `${HOST}/\ud800`],
    ['a line break', `${HOST}/two\nlines`],
    ['a tab', `${HOST}/a\tb`],
    ['a space in the host', 'https://hooks example.com/'],
    ['a no-break space', `${HOST}/a\u00a0b`],
    ['a line separator', `${HOST}/a\u2028b`],
    ['a user name and password', 'https://user:pw@hooks.example.com/'],
    ['a password only', 'https://:pw@hooks.example.com/'],
    ['an empty user info', 'https://@hooks.example.com/'],
    ['a percent-encoded @ in the user info', 'https://user%40x:pw@hooks.example.com/'],
    ['javascript:', 'javascript:alert(1)'],
    ['javascript: dressed as http', 'javascript://hooks.example.com/%0aalert(1)'],
    ['file:', 'file:///etc/passwd'],
    ['ftp:', 'ftp://hooks.example.com/x'],
    ['data:', 'data:text/plain,hi'],
    ['ws:', 'ws://hooks.example.com/'],
    ['an upper-case scheme', 'HTTPS://hooks.example.com/'],
    ['no host', 'https:///path'],
    ['a port and no host', 'https://:443/'],
    ['port 0', `${HOST}:0/`],
    ['port 00', `${HOST}:00/`],
    ['port 65536', `${HOST}:65536/`],
    ['a negative port', `${HOST}:-1/`],
    ['a port past any integer', `${HOST}:99999999999999999999/`],
    ['a port that is not a number', `${HOST}:https/`],
    ['an unterminated IPv6 literal', 'https://[::1/'],
    ['an IPv6 literal that is not one', 'https://[zz::1]/'],
    ['an IPv6 literal with a zone', 'https://[fe80::1%25eth0]/'],
    ['a percent-encoded NUL host', 'https://%00/'],
    ['a percent-encoded host with a forbidden character', 'https://hooks%2Fexample.com/'],
    ['a relative URL', '/orders'],
    ['no scheme', 'hooks.example.com/orders'],
    ['an empty string', ''],
    ['one character over the limit', `${HOST}/${'a'.repeat(WEBHOOK_LIMITS.urlLength - HOST.length)}`],
  ];

  it.each(URL_WRITES.flatMap(([method, path, body]) => refusedUrls.map(([name, url]) => [method, path, name, body(url)] as const)))('%s %s: %s is a 400 on url', async (method, path, _name, body) => {
    const response = await expectRefused(method, path, { body });
    expect(response.body.error.details).toContainEqual({ path: 'url', message: expect.any(String) });
  });

  it.each([
    ['a number', 42],
    ['an array', [NEW.url]],
    ['an object', { href: NEW.url }],
    ['null', null],
    ['true', true],
  ])('a URL that is %s is a 400', async (_name, url) => {
    await expectRefused('POST', '/webhooks', { body: { ...NEW, url } });
    await expectRefused('PATCH', `/webhooks/${SUB}`, { body: { url } });
  });

  it.each([
    ['exactly the limit', `${HOST}/${'a'.repeat(WEBHOOK_LIMITS.urlLength - HOST.length - 1)}`],
    ['a port', `${HOST}:8443/orders`],
    ['the highest port', `${HOST}:65535/orders`],
    ['an @ in the path', `${HOST}/orders@v1`],
    ['a query and a fragment', `${HOST}/orders?token=abc#frag`],
    ['an IDN host (Cyrillic letters that look Latin)', 'https://һooks.example.com/'],
    ['a percent-encoded host', 'https://%68ooks.example.com/'],
    ['a public IPv6 literal', 'https://[2606:4700:4700::1111]/hooks'],
    ['a public IPv4 literal', 'https://1.1.1.1/hooks'],
  ])('a URL with %s is handed, as given, to the notification service (whose target check decides)', async (_name, url) => {
    const { app } = await expectAccepted('POST', '/webhooks', { ...NEW, url }, 201);
    expect(app.temporal.started[0]!.args).toEqual([{ ...NEW, url, sealTo: expect.any(String) }]);
    expect(url.length).toBeLessThanOrEqual(WEBHOOK_LIMITS.urlLength);
  });

  // The service's check, as the workflow runs it: every disguise of a private address is judged by
  // the address the URL parser makes of it, before DNS (the resolver here answers nothing).
  it.each([
    ['a loopback IPv6 literal', 'https://[::1]/'],
    ['an IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/'],
    ['a percent-encoded loopback', 'https://%31%32%37.0.0.1/'],
    ['a loopback in full-width digits', 'https://１２７.０.０.１/'],
    ['a loopback with ideographic full stops', 'https://127。0。0。1/'],
    ['a loopback as one decimal number', 'https://2130706433/'],
    ['a loopback in hex', 'https://0x7f.1/'],
    ['the metadata address in octal', 'https://0251.0376.0251.0376/'],
    ['the unspecified address', 'https://0.0.0.0/'],
    ['a unique-local IPv6 literal', 'https://[fd00::1]/'],
  ])('the target check refuses %s', async (_name, url) => {
    const resolve = vi.fn(async () => []);
    const check = await checkWebhookTarget(url, { allowLoopback: false }, resolve);
    expect(check).toMatchObject({ ok: false, refused: true });
  });

  it.each([
    ['port 0', 'https://hooks.example.com:0/'],
    ['a NUL byte', 'https://hooks.example.com/\u0000'],
  ])('the target check refuses %s too (an attempt would never reach a receiver)', async (_name, url) => {
    const check = await checkWebhookTarget(url, { allowLoopback: false }, async () => ['93.184.215.14']);
    expect(check).toMatchObject({ ok: false, refused: true });
  });
});

describe('webhook fields: wrong, missing or unknown', () => {
  const hostileText: Array<[string, string]> = [
    ['a NUL byte', 'ERP\u0000sync'],
    ['a lone surrogate', 'ERP \ud800'],
    ['an escape sequence', '\u001b[31mred'],
    ['a C1 control', 'next\u0085line'],
    ['a line break', 'two\nlines'],
    ['one character too many', 'x'.repeat(WEBHOOK_LIMITS.descriptionLength + 1)],
  ];
  it.each(hostileText)('a description with %s is a 400 on description', async (_name, description) => {
    for (const [method, path, body] of [
      ['POST', '/webhooks', { ...NEW, description }],
      ['PATCH', `/webhooks/${SUB}`, { description }],
    ] as const) {
      const response = await expectRefused(method, path, { body });
      expect(response.body.error.details).toContainEqual({ path: 'description', message: expect.any(String) });
    }
  });

  it.each([
    ['an unknown event type', ['order.exploded']],
    ['an event type in upper case', ['ORDER.PLACED']],
    ['an event type with a NUL', ['order.placed\u0000']],
    ['an event type twice', ['order.placed', 'order.placed']],
    ['no event types', []],
    ['a thousand event types', Array.from({ length: 1_000 }, () => 'order.placed')],
    ['a null among them', ['order.placed', null]],
    ['a number among them', [1]],
    ['a nested array', [['order.placed']]],
    ['a string, not an array', 'order.placed'],
    ['an object, not an array', { 'order.placed': true }],
    ['null', null],
  ])('events: %s is a 400 on events', async (_name, events) => {
    for (const [method, path, body] of [
      ['POST', '/webhooks', { ...NEW, events }],
      ['PATCH', `/webhooks/${SUB}`, { events }],
    ] as const) {
      const response = await expectRefused(method, path, { body });
      expect(response.body.error.details.map((detail: { path?: string }) => detail.path)).toContainEqual(expect.stringMatching(/^events/));
    }
  });

  it.each([
    ['an array, not an object', [NEW]],
    ['null', null],
    ['a string', 'https://hooks.example.com/'],
    ['a number', 1],
    ['an empty object', {}],
    ['no URL', { events: NEW.events }],
    ['no events', { url: NEW.url }],
    ['enabled as a string', { ...NEW, enabled: 'true' }],
    ['enabled as null', { ...NEW, enabled: null }],
    ['description as a number', { ...NEW, description: 7 }],
    ['the secret chosen by the client', { ...NEW, secret: 'whsec_mine' }],
    ['the ID chosen by the client', { ...NEW, subscriptionId: NEW_ID }],
    ['a timestamp', { ...NEW, createdAt: '2026-01-01T00:00:00Z' }],
    ['a prototype key', JSON.parse(`{"url":"${NEW.url}","events":["order.placed"],"__proto__":{"enabled":false}}`) as unknown],
  ])('POST /webhooks: %s is a 400', async (_name, body) => {
    await expectRefused('POST', '/webhooks', { body: JSON.stringify(body) });
  });

  it.each([
    ['an array, not an object', [{ enabled: false }]],
    ['null', null],
    ['no change', {}],
    ['url null', { url: null }],
    ['events null', { events: null }],
    ['enabled null', { enabled: null }],
    ['enabled as a number', { enabled: 0 }],
    ['the secret', { secret: 'whsec_mine' }],
    ['the ID', { subscriptionId: OTHER_SUB }],
  ])('PATCH /webhooks/{id}: %s is a 400', async (_name, body) => {
    await expectRefused('PATCH', `/webhooks/${SUB}`, { body: JSON.stringify(body) });
  });

  it('PATCH /webhooks/{id} with description null clears it (not a hostile input)', async () => {
    await expectAccepted('PATCH', `/webhooks/${SUB}`, { description: null }, 200);
  });
});

describe('webhook paths: not an ID is a 400, another subscription’s delivery a 404', () => {
  const badIds = ['not-a-uuid', '%00', '1e3', `${SUB}x`, `${SUB.slice(0, -1)}g`, `{${SUB}}`, `${SUB}%00`, SUB.replaceAll('-', ''), '%E2%80%8B' + SUB];
  it.each(badIds)('subscription ID %s', async (id) => {
    await expectRefused('GET', `/webhooks/${id}`);
    await expectRefused('PATCH', `/webhooks/${id}`, { body: { enabled: false } });
    await expectRefused('DELETE', `/webhooks/${id}`);
    await expectRefused('GET', `/webhooks/${id}/deliveries`);
    await expectRefused('POST', `/webhooks/${id}/deliveries/${DELIVERY}/redeliver`);
  });

  it.each(badIds)('delivery ID %s', async (id) => {
    await expectRefused('POST', `/webhooks/${SUB}/deliveries/${id}/redeliver`);
  });

  it('redelivering a delivery of another subscription is a 404 that signals nothing', async () => {
    const response = await expectRefused('POST', `/webhooks/${SUB}/deliveries/${OTHER_DELIVERY}/redeliver`, {}, 404, 'NOT_FOUND');
    expect(response.body.error.message).toBe(`Delivery ${OTHER_DELIVERY} of webhook subscription ${SUB} not found`);
    await expectRefused('POST', `/webhooks/${NEW_ID}/deliveries/${DELIVERY}/redeliver`, {}, 404, 'NOT_FOUND');
  });

  it.each([
    ['PATCH', { enabled: false }],
    ['DELETE', undefined],
  ])('%s of a subscription that does not exist is a 404 that starts nothing', async (method, body) => {
    await expectRefused(method, `/webhooks/${NEW_ID}`, { ...(body && { body }) }, 404, 'NOT_FOUND');
  });

  it.each(['operator', 'customer'] as const)('a %s is a 403 everywhere, with a hostile body too', async (as) => {
    await expectRefused('POST', '/webhooks', { as, body: { ...NEW, url: 'javascript:alert(1)' } }, 403, 'FORBIDDEN');
    await expectRefused('POST', `/webhooks/${SUB}/deliveries/${OTHER_DELIVERY}/redeliver`, { as }, 403, 'FORBIDDEN');
  });
});

const LIMITS: Array<[string, string]> = [
  ['0', 'limit=0'],
  ['101', 'limit=101'],
  ['-1', 'limit=-1'],
  ['1e3', 'limit=1e3'],
  ['abc', 'limit=abc'],
  ['1.5', 'limit=1.5'],
  ['empty', 'limit='],
  ['NaN', 'limit=NaN'],
  ['Infinity', 'limit=Infinity'],
  ['given twice', 'limit=1&limit=2'],
];
const LISTS: Array<[string, Who]> = [
  ['/orders', 'customer'],
  [`/orders/${ORDER_ID}/events`, 'customer'],
  ['/webhooks', 'admin'],
  [`/webhooks/${SUB}/deliveries`, 'admin'],
];

describe('limits and cursors on every new list', () => {
  it.each(LISTS.flatMap(([list, as]) => LIMITS.map(([name, query]) => [list, name, query, as] as const)))('GET %s with a limit of %s is a 400 on limit', async (list, _name, query, as) => {
    const response = await expectRefused('GET', `${list}?${query}`, { as });
    expect(response.body.error.details).toContainEqual({ path: 'limit', message: expect.any(String) });
  });

  it.each(LISTS.flatMap(([list, as]) => ['%00', '!!!', `${'a'.repeat(501)}`, 'a%20b', 'abc&cursor=def'].map((cursor) => [list, cursor, as] as const)))(
    'GET %s?cursor=%s: not a cursor of this API is a 400 on cursor',
    async (list, cursor, as) => {
      const response = await expectRefused('GET', `${list}?cursor=${cursor}`, { as });
      expect(response.body.error.details).toContainEqual({ path: 'cursor', message: expect.any(String) });
    },
  );

  it.each(LISTS.flatMap(([list, as]) => [encodeCursor(-1), encodeCursor('x'), encodeCursor({ offset: 1 }), encodeCursor(1e300), 'garbage'].map((cursor) => [list, cursor, as] as const)))(
    'GET %s?cursor=%s: a cursor made up is a 400 Invalid cursor',
    async (list, cursor, as) => {
      const response = await expectRefused('GET', `${list}?cursor=${cursor}`, { as });
      expect(response.body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'Invalid cursor', details: [{ path: 'cursor', message: 'cursor is not valid' }] });
    },
  );

  it("an order search's or an order timeline's cursor on the webhooks list is a 400 Invalid cursor", async () => {
    for (const cursor of [encodeCursor(['2026-12-01T00:00:00.000000Z', ORDER_ID]), encodeCursor([5])]) {
      const response = await expectRefused('GET', `/webhooks?cursor=${cursor}`);
      expect(response.body.error.message).toBe('Invalid cursor');
    }
  });
});

/** A Kysely that compiles queries but never connects: what the real read functions do before any SQL. */
const offline = () =>
  new Kysely<never>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });

describe("cursors from another list, or made up, never reach PostgreSQL (the real read functions)", () => {
  const webhooksCursor = encodeCursor(20);
  const eventsCursor = encodeCursor([20]);
  it.each([
    ['a webhooks-list cursor', webhooksCursor],
    ['an order-timeline cursor', eventsCursor],
    ['year 0, which PostgreSQL refuses', encodeCursor(['0000-01-01T00:00:00.000000Z', ORDER_ID])],
    ['a time with an offset', encodeCursor(['2026-12-01T00:00:00+23:00', ORDER_ID])],
    ['not a UUID', encodeCursor(['2026-12-01T00:00:00.000000Z', "x' OR 1=1 --"])],
    ['a NUL in the UUID', encodeCursor(['2026-12-01T00:00:00.000000Z', `${ORDER_ID}\u0000`])],
  ])('order search: %s is InvalidCursorError', async (_name, cursor) => {
    await expect(searchOrders(offline(), { limit: 20, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it.each([
    ['a webhooks-list cursor', webhooksCursor],
    ['an order-timeline cursor', eventsCursor],
    ['year 0, which PostgreSQL refuses', encodeCursor(['0000-01-01T00:00:00.000000Z', DELIVERY])],
    ['not a UUID', encodeCursor(['2026-12-01T00:00:00.000000Z', 'x'])],
  ])('delivery log: %s is InvalidCursorError', async (_name, cursor) => {
    await expect(listDeliveries(offline() as never, { subscriptionId: SUB, limit: 20, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it.each([
    ['a webhooks-list cursor', webhooksCursor],
    ['an order-search cursor', encodeCursor(['2026-12-01T00:00:00.000000Z', ORDER_ID])],
    ['sequence 0', encodeCursor([0])],
    ['a sequence past a bigint', encodeCursor([1e300])],
    ['a fractional sequence', encodeCursor([1.5])],
  ])('order timeline: %s is InvalidCursorError', async (_name, cursor) => {
    await expect(listOrderEvents(offline() as never, ORDER_ID, { limit: 20, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('GET /orders: hostile filters', () => {
  it.each([
    ['year 0 (PostgreSQL has none)', 'from=0000-01-01T00:00:00Z', 'from'],
    ['year 275760', 'to=275760-09-13T00:00:00Z', 'to'],
    ['a negative year', 'from=-000001-01-01T00:00:00Z', 'from'],
    ['an offset past what PostgreSQL takes', 'from=2026-12-01T00:00:00%2B23:00', 'from'],
    ['an offset of -16:00', 'to=2026-12-01T00:00:00-16:00', 'to'],
    ['a + left unencoded (a space)', 'from=2026-12-01T00:00:00+01:00', 'from'],
    ['an offset without a colon', 'from=2026-12-01T00:00:00%2B0100', 'from'],
    ['a time-zone name', 'from=2026-12-01T00:00:00 Europe/Paris', 'from'],
    ['a date only', 'to=2026-12-01', 'to'],
    ['hour 24', 'to=2026-12-01T24:00:00Z', 'to'],
    ['second 60', 'to=2026-12-31T23:59:60Z', 'to'],
    ['29 February of a common year', 'from=2026-02-29T00:00:00Z', 'from'],
    ['a Unix time', 'from=1796083200', 'from'],
    ['from equal to to', 'from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00Z', 'from'],
    ['from equal to to, written two ways', 'from=2026-12-01T01:00:00%2B01:00&to=2026-12-01T00:00:00.000Z', 'from'],
    ['from given twice', 'from=2026-12-01T00:00:00Z&from=2026-12-02T00:00:00Z', 'from'],
    ['a SKU given twice', 'sku=LAMP-1&sku=MUG-2', 'sku'],
    ['a status given twice', 'status=CONFIRMED&status=PENDING', 'status'],
    ['a customer given twice', 'customer=alice&customer=bob', 'customer'],
    ['a SKU with a NUL', 'sku=LAMP-1%00', 'sku'],
    ['a SKU in full-width letters', 'sku=%EF%BC%AC%EF%BC%A1%EF%BC%AD%EF%BC%B0-1', 'sku'],
    ['a status with a NUL', 'status=CONFIRMED%00', 'status'],
    ['a customer with a NUL', 'customer=alice%00', 'customer'],
    ['a customer too long', `customer=${'a'.repeat(201)}`, 'customer'],
  ])('staff: %s is a 400', async (_name, query, path) => {
    const app = await seededApp();
    const list = vi.spyOn(app.readers.orders, 'list');
    const response = await app.request('GET', `/orders?${query}`, { token: app.operator });
    expect4xx(response, 400, 'VALIDATION_FAILED');
    expect(response.body.error.details.map((detail: { path?: string }) => detail.path)).toContain(path);
    expect(list).not.toHaveBeenCalled();
    expect(app.temporal.untouched).toBe(true);
  });

  it.each([
    ['the earliest instant PostgreSQL takes in this form', 'from=0001-01-01T00:00:00Z'],
    ['the latest', 'to=9999-12-31T23:59:59.999999Z'],
    ['an offset of +14:00', 'from=2026-12-01T00:00:00%2B14:00'],
    ['an offset of -15:59', 'to=2026-12-01T00:00:00-15:59'],
    ['from just before to', 'from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00.001Z'],
  ])('staff: %s is searched', async (_name, query) => {
    const app = await seededApp();
    expect((await app.request('GET', `/orders?${query}`, { token: app.operator })).status).toBe(200);
  });

  it.each(['customer=alice', 'customer=bob', 'customer=', 'customer=%00', 'customer=alice&customer=bob'])('a customer who sends ?%s is refused and reads nothing', async (query) => {
    const app = await seededApp();
    const list = vi.spyOn(app.readers.orders, 'list');
    const response = await app.request('GET', `/orders?${query}`, { token: app.customer });
    expect(response.status, response.text).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(list).not.toHaveBeenCalled();
  });
});

describe('GET /orders/{orderId}/events: hostile paths', () => {
  it.each(['not-a-uuid', '%00', '1e3', `${ORDER_ID}x`, `${ORDER_ID}%00`, ORDER_ID.replaceAll('-', '')])('%s is a 400', async (id) => {
    await expectRefused('GET', `/orders/${id}/events`, { as: 'customer' });
  });

  it("another customer's order is a 404, as an unknown one is", async () => {
    const app = await seededApp();
    const bob = await app.token('bob', ['customer']);
    for (const id of [ORDER_ID, NEW_ID]) expect4xx(await app.request('GET', `/orders/${id}/events`, { token: bob }), 404, 'NOT_FOUND');
  });

  it('without a token, 401', async () => {
    await expectRefused('GET', `/orders/${ORDER_ID}/events`, { as: 'anonymous' }, 401, 'UNAUTHENTICATED');
  });
});
