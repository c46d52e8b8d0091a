import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderSchema } from '../../api/schemas.js';
import { countBy } from '../support/invariants.js';
import { sampleValue } from '../support/prometheus-text.js';
import { createProduct } from '../support/shop.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';

// An accepted order is readable at once, whatever the order worker is doing: stopped, or working
// through a backlog. And the worker's memory is bounded by its workflow cache: orders parked in
// their cancellation window are evicted from it, and a cancel replays them from their history.
const ORDERS = 200;
const CACHE = 50;
const smtp = new SmtpSink();
let stack: TestStack;

beforeAll(async () => {
  await smtp.start();
  // The cancellation window as in production (30 minutes): every order stays parked, and cancellable.
  stack = await TestStack.start({ name: 'reads-under-load', smtpUrl: smtp.url, workerEndpoints: true, env: { WORKER_MAX_CACHED_WORKFLOWS: String(CACHE) } });
});

afterAll(async () => {
  await stack?.stop();
  await smtp.stop();
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const orderMetrics = async () => (await fetch(`${stack.workerUrl('order-1')}/metrics`)).text();

interface Placed {
  orderId: string;
  token: string;
  customerId: string;
}

let sku: string;
let placed: Placed[] = [];

/** GETs the order every 250 ms, as a client would, until it is CONFIRMED; every answer's status and the order's statuses seen. */
async function pollUntilConfirmed({ orderId, token }: Placed, deadline: number): Promise<{ httpStatuses: number[]; seen: string[] }> {
  const httpStatuses: number[] = [];
  const seen: string[] = [];
  for (;;) {
    const read = await stack.request('GET', `/orders/${orderId}`, { token });
    httpStatuses.push(read.status);
    if (read.status === 200) seen.push(read.body.status);
    if (read.body?.status === 'CONFIRMED') return { httpStatuses, seen };
    if (Date.now() > deadline) throw new Error(`order ${orderId} not CONFIRMED in time (last answer ${read.status} ${JSON.stringify(read.body)})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('reads under load', () => {
  it(`no order worker: each of a burst of ${ORDERS} orders is read at once, PENDING with its lines, never a 503; another customer gets a 404`, async () => {
    sku = await createProduct(stack, ORDERS, 'READS');
    await stack.worker('order-1').stop();
    const tokens = await Promise.all(range(ORDERS).map((i) => stack.token(`reader-${i}`)));
    const stranger = await stack.token('stranger');
    const lines = [{ sku, quantity: 1 }];

    const results = await Promise.all(
      range(ORDERS).map(async (i) => {
        // Every tenth order asks to wait a second for the decision: it gets the order, still PENDING.
        const waits = i % 10 === 0;
        const post = await stack.request('POST', '/orders', { token: tokens[i], body: { lines }, ...(waits && { headers: { prefer: 'wait=1' } }) });
        const orderId = post.body?.orderId as string;
        const get = await stack.request('GET', `/orders/${orderId}`, { token: tokens[i] });
        const strangers = i % 10 === 1 ? await stack.request('GET', `/orders/${orderId}`, { token: stranger }) : undefined;
        return { i, waits, post, get, strangers, orderId };
      }),
    );

    expect(countBy(results, (r) => `${r.post.status}`)).toEqual({ 202: ORDERS - ORDERS / 10, 200: ORDERS / 10 });
    expect(countBy(results, (r) => `${r.get.status}`)).toEqual({ 200: ORDERS });
    for (const { i, waits, post, get, orderId } of results) {
      const expected = { orderId, customerId: `reader-${i}`, status: 'PENDING', lines: [{ sku, quantity: 1, name: null, unitPriceCents: null, lineTotalCents: null }], totalCents: null, currency: null };
      expect(OrderSchema.safeParse(get.body).error).toBeUndefined();
      expect(get.body).toMatchObject(expected);
      if (waits) {
        expect(post.headers.get('preference-applied')).toBe('wait=1');
        expect(OrderSchema.safeParse(post.body).error).toBeUndefined();
        expect(post.body).toMatchObject(expected);
      }
    }
    const strangers = results.flatMap((r) => (r.strangers ? [r.strangers] : []));
    expect(strangers.map((r) => [r.status, r.body.error.code])).toEqual(strangers.map(() => [404, 'NOT_FOUND']));
    placed = results.map(({ i, orderId }) => ({ orderId, token: tokens[i]!, customerId: `reader-${i}` }));
  });

  it('the worker back and working through the backlog: every poll of every order answers 200 until it is CONFIRMED', async () => {
    stack.startWorker('order', 1);
    const deadline = Date.now() + 150_000;
    const polls = await Promise.all(placed.map((order) => pollUntilConfirmed(order, deadline)));

    const answers = polls.flatMap((poll) => poll.httpStatuses);
    expect(countBy(answers, String)).toEqual({ 200: answers.length });
    // Read while the worker was busy: many orders were still PENDING at their first polls.
    expect(polls.filter((poll) => poll.seen[0] === 'PENDING').length).toBeGreaterThan(ORDERS / 2);
    expect(polls.every((poll) => poll.seen.at(-1) === 'CONFIRMED')).toBe(true);
  });

  it(`the workflow cache stays within WORKER_MAX_CACHED_WORKFLOWS (${CACHE}), and evicted orders are cancelled all the same`, async () => {
    const metrics = await orderMetrics();
    // Full, and no fuller: 200 orders are parked, the cache holds the most recently used of them.
    expect(sampleValue(metrics, 'temporal_sticky_cache_size')).toBe(CACHE);
    // All 200 runs entered the cache and none has ended: all but the cached ones were evicted.
    expect(sampleValue(metrics, 'temporal_sticky_cache_total_forced_eviction')).toBeGreaterThanOrEqual(ORDERS - CACHE);

    // More orders than the cache holds: at least ten of them were not in it when their cancel came.
    const cancelled = placed.slice(0, CACHE + 10);
    const answers = await Promise.all(cancelled.map(({ orderId, token }) => stack.request('POST', `/orders/${orderId}/cancel`, { token })));
    expect(answers.map((answer) => [answer.status, answer.body.status])).toEqual(cancelled.map(() => [200, 'CANCELLED']));
    expect((await stack.request('GET', `/inventory/${sku}`)).body).toEqual({ sku, onHand: cancelled.length, reserved: 0, available: cancelled.length, inStock: true });
    await smtp.waitFor(() => cancelled.every(({ orderId }) => smtp.forOrder(orderId).some((mail) => mail.parsed.messageId?.startsWith('<order_cancelled.'))));
    expect(sampleValue(await orderMetrics(), 'temporal_sticky_cache_size')).toBeLessThanOrEqual(CACHE);
  });
});
