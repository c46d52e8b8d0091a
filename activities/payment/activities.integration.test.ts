import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActivity as run, silentLog as log } from '../../test/support/activity.js';
import { serviceDatabases } from '../../test/support/databases.js';
import { PaymentSandboxServer } from '../../test/support/payment-sandbox.js';
import { createPaymentActivities } from './activities.js';
import { TEST_PAYMENT_METHODS } from './contract.js';
import { createPaymentMetrics } from './metrics.js';
import type { PaymentProvider } from './provider.js';
import { createSandboxProvider, sandboxLedger } from './providers/sandbox.js';
import { createPaymentReads } from './reads.js';

const dbs = serviceDatabases();
const readers = serviceDatabases('reader');
const db = dbs.payment;
const sandbox = new PaymentSandboxServer();
beforeAll(() => sandbox.start());
afterAll(async () => {
  await sandbox.stop();
  await Promise.all([dbs.destroy(), readers.destroy()]);
});

/** The activities over a provider, with metrics of their own. */
function using(provider: PaymentProvider) {
  const metrics = createPaymentMetrics(new Registry());
  return { ...createPaymentActivities({ db, log, provider, metrics }), metrics };
}

/** The activities over a sandbox (the shared one by default). */
const payments = (url = sandbox.url) => using(createSandboxProvider({ url, timeoutMs: 5_000 }));

const count = async (counter: { get(): Promise<{ values: Array<{ value: number }> }> }) => (await counter.get()).values.reduce((sum, { value }) => sum + value, 0);
const kinds = async (orderId: string, url = sandbox.url) => (await sandboxLedger(url, orderId)).map((entry) => `${entry.kind} ${entry.amountCents}`);
const operations = (orderId: string) => db.selectFrom('payment_operations').select(['kind', 'amount_cents', 'outcome']).where('order_id', '=', orderId).orderBy('id').execute();
const payment = (orderId: string) => db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();

const authorisation = (orderId = randomUUID(), method: string = TEST_PAYMENT_METHODS.succeeds) => ({ orderId, amountCents: 1000, currency: 'EUR', method });

/** An order authorised for 10.00 EUR. */
async function authorised(p: ReturnType<typeof payments>) {
  const input = authorisation();
  expect(await run(p.authorisePayment, input)).toMatchObject({ ok: true });
  return input.orderId;
}

describe('authorisePayment', () => {
  it('a retry answers the authorisation on record: one in the ledger, one row, counted once', async () => {
    const p = payments();
    const input = authorisation();
    const first = await run(p.authorisePayment, input);
    expect(first).toEqual({ ok: true, value: { authorisationId: expect.stringMatching(/^auth_/), amountCents: 1000, currency: 'EUR', expiresAt: expect.any(String) } });
    expect(await run(p.authorisePayment, input)).toEqual(first);

    expect(await kinds(input.orderId)).toEqual(['authorisation 1000']);
    expect(await payment(input.orderId)).toMatchObject({ status: 'AUTHORISED', provider: 'sandbox', method: 'pm_card_visa', amount_cents: 1000, captured_cents: 0, refunded_cents: 0 });
    expect(await operations(input.orderId)).toEqual([{ kind: 'authorise', amount_cents: 1000, outcome: 'SUCCEEDED' }]);
    expect(await count(p.metrics.authorised)).toBe(1);
    expect((await p.metrics.amounts.get()).values).toEqual([expect.objectContaining({ labels: { operation: 'authorised', currency: 'EUR' }, value: 1000 })]);
  });

  it('a decline is recorded DECLINED and returned as PAYMENT_DECLINED, to the retry too', async () => {
    const p = payments();
    const input = authorisation(randomUUID(), TEST_PAYMENT_METHODS.declined);
    const declined = { ok: false, reason: 'PAYMENT_DECLINED', message: 'The payment method was declined (generic_decline)' };
    expect(await run(p.authorisePayment, input)).toEqual(declined);
    expect(await run(p.authorisePayment, input)).toEqual(declined);

    expect(await kinds(input.orderId)).toEqual(['decline 1000']);
    expect(await payment(input.orderId)).toMatchObject({ status: 'DECLINED', decline_code: 'generic_decline', authorisation_id: null });
    expect(await count(p.metrics.declined)).toBe(1);
    expect(await count(p.metrics.authorised)).toBe(0);
  });

  it('overlapping attempts for one order make one authorisation and all answer it', async () => {
    const p = payments();
    const input = authorisation();
    const answers = await Promise.all(Array.from({ length: 5 }, () => run(p.authorisePayment, input)));
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toMatchObject({ ok: true });
    expect(await kinds(input.orderId)).toEqual(['authorisation 1000']);
    expect(await operations(input.orderId)).toHaveLength(1);
    expect(await count(p.metrics.authorised)).toBe(1);
  });

  it('the provider unreachable fails the attempt for Temporal to retry; the retry authorises once', async () => {
    const flaky = await new PaymentSandboxServer().start();
    await flaky.stop();
    const p = payments(flaky.url);
    const input = authorisation();
    const failure = await run(p.authorisePayment, input).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toHaveProperty('type'); // not a DomainError: retryable
    expect(String(failure)).toMatch(/ECONNREFUSED/);
    expect(await payment(input.orderId)).toBeUndefined();

    await flaky.start(); // the same port and ledger: the provider back
    try {
      expect(await run(p.authorisePayment, input)).toMatchObject({ ok: true });
      expect(await kinds(input.orderId, flaky.url)).toEqual(['authorisation 1000']);
    } finally {
      await flaky.stop();
    }
  });

  it('refuses a payment method that is not a token, before asking the provider', async () => {
    const input = authorisation(randomUUID(), '4242424242424242');
    await expect(run(payments().authorisePayment, input)).rejects.toMatchObject({ name: 'DomainError', type: 'INVALID_DATA' });
    expect(await kinds(input.orderId)).toEqual([]);
  });
});

describe('capturePayment', () => {
  it('captures an authorisation once, however often it is retried or overlapped', async () => {
    const p = payments();
    const orderId = await authorised(p);
    const answers = await Promise.all(Array.from({ length: 3 }, () => run(p.capturePayment, { orderId, amountCents: 1000 })));
    expect(answers.filter((answer) => answer.ok && answer.value.changed)).toHaveLength(1);
    expect(answers.map((answer) => answer.ok && answer.value.status)).toEqual(['CAPTURED', 'CAPTURED', 'CAPTURED']);
    expect(await run(p.capturePayment, { orderId, amountCents: 1000 })).toEqual({ ok: true, value: { changed: false, status: 'CAPTURED' } });
    expect(await kinds(orderId)).toEqual(['authorisation 1000', 'capture 1000']);
    expect(await payment(orderId)).toMatchObject({ status: 'CAPTURED', captured_cents: 1000 });
    expect(await count(p.metrics.captured)).toBe(1);
  });

  it('an expired authorisation is returned as AUTHORISATION_EXPIRED and the payment stays AUTHORISED', async () => {
    let now = Date.now();
    const expiring = await new PaymentSandboxServer({ authorisationValidityMs: 60_000, now: () => new Date(now) }).start();
    try {
      const p = payments(expiring.url);
      const orderId = await authorised(p);
      now += 60_000;
      const expired = await run(p.capturePayment, { orderId, amountCents: 1000 });
      expect(expired).toMatchObject({ ok: false, reason: 'AUTHORISATION_EXPIRED', message: expect.stringMatching(/expired/) });
      expect(await run(p.capturePayment, { orderId, amountCents: 1000 })).toEqual(expired);
      expect(await payment(orderId)).toMatchObject({ status: 'AUTHORISED', captured_cents: 0 });
      expect(await operations(orderId)).toEqual([
        { kind: 'authorise', amount_cents: 1000, outcome: 'SUCCEEDED' },
        { kind: 'capture', amount_cents: 1000, outcome: 'EXPIRED' },
      ]);
      expect(await kinds(orderId, expiring.url)).toEqual(['authorisation 1000']);
    } finally {
      await expiring.stop();
    }
  });

  it('without an authorisation on record, or after a void, fails for good', async () => {
    const p = payments();
    await expect(run(p.capturePayment, { orderId: randomUUID(), amountCents: 1000 })).rejects.toMatchObject({ name: 'DomainError', type: 'PAYMENT_NOT_AUTHORISED' });
    const declined = authorisation(randomUUID(), TEST_PAYMENT_METHODS.insufficientFunds);
    await run(p.authorisePayment, declined);
    await expect(run(p.capturePayment, { orderId: declined.orderId, amountCents: 1000 })).rejects.toMatchObject({ type: 'PAYMENT_NOT_AUTHORISED' });
    const orderId = await authorised(p);
    await run(p.voidPayment, { orderId, reason: 'cancelled' });
    await expect(run(p.capturePayment, { orderId, amountCents: 1000 })).rejects.toMatchObject({ type: 'PAYMENT_NOT_AUTHORISED' });
  });

  it('refuses more than was authorised, before asking the provider', async () => {
    const p = payments();
    const orderId = await authorised(p);
    await expect(run(p.capturePayment, { orderId, amountCents: 1001 })).rejects.toMatchObject({ type: 'INVALID_DATA' });
    expect(await kinds(orderId)).toEqual(['authorisation 1000']);
  });
});

describe('voidPayment', () => {
  it('releases an authorisation before capture, once', async () => {
    const p = payments();
    const orderId = await authorised(p);
    expect(await run(p.voidPayment, { orderId, reason: 'cancelled' })).toEqual({ changed: true, status: 'VOIDED' });
    expect(await run(p.voidPayment, { orderId, reason: 'cancelled' })).toEqual({ changed: false, status: 'VOIDED' });
    expect(await kinds(orderId)).toEqual(['authorisation 1000', 'void 1000']);
    expect(await count(p.metrics.voided)).toBe(1);
  });

  it('after a capture refunds what is left of it, once', async () => {
    const p = payments();
    const orderId = await authorised(p);
    await run(p.capturePayment, { orderId, amountCents: 1000 });
    await run(p.refundPayment, { orderId, refundId: 'r1', amountCents: 400, reason: 'damaged' });
    expect(await run(p.voidPayment, { orderId, reason: 'cancelled' })).toEqual({ changed: true, status: 'REFUNDED' });
    expect(await run(p.voidPayment, { orderId, reason: 'cancelled' })).toEqual({ changed: false, status: 'REFUNDED' });
    expect(await kinds(orderId)).toEqual(['authorisation 1000', 'capture 1000', 'refund 400', 'refund 600']);
    expect(await payment(orderId)).toMatchObject({ status: 'REFUNDED', captured_cents: 1000, refunded_cents: 1000 });
    expect(await count(p.metrics.voided)).toBe(0);
    expect(await count(p.metrics.refunded)).toBe(2);
  });

  it('coming while the authorisation is being made, voids it once it is recorded', async () => {
    const sandboxProvider = createSandboxProvider({ url: sandbox.url, timeoutMs: 5_000 });
    let asked!: () => void;
    let answer!: () => void;
    const askedToAuthorise = new Promise<void>((resolve) => (asked = resolve));
    const answered = new Promise<void>((resolve) => (answer = resolve));
    // The provider holds the authorisation until the void has come (an attempt the cancel did not stop).
    const p = using({
      ...sandboxProvider,
      async authorise(request) {
        asked();
        await answered;
        return sandboxProvider.authorise(request);
      },
    });
    const input = authorisation();
    const authorising = run(p.authorisePayment, input);
    await askedToAuthorise;
    expect(await run(p.voidPayment, { orderId: input.orderId, reason: 'cancelled' })).toEqual({ changed: false, status: 'NONE' });
    answer();
    expect(await authorising).toMatchObject({ ok: true });
    expect(await kinds(input.orderId)).toEqual(['authorisation 1000', 'void 1000']);
    expect(await payment(input.orderId)).toMatchObject({ status: 'VOIDED' });
    expect(await run(p.authorisePayment, input)).toMatchObject({ ok: true });
    expect(await kinds(input.orderId)).toEqual(['authorisation 1000', 'void 1000']);
  });

  it('an authorisation recorded after such a void by an attempt that died before voiding it is voided by the retry', async () => {
    const p = payments();
    const orderId = await authorised(p);
    // What that attempt leaves: the tombstone, and the authorisation recorded but not voided.
    await db.insertInto('voids_before_authorisation').values({ order_id: orderId, reason: 'cancelled' }).execute();
    expect(await run(p.authorisePayment, authorisation(orderId))).toMatchObject({ ok: true });
    expect(await kinds(orderId)).toEqual(['authorisation 1000', 'void 1000']);
    expect(await payment(orderId)).toMatchObject({ status: 'VOIDED' });
  });

  it('is a no-op for an order never authorised, and for a declined one', async () => {
    const p = payments();
    expect(await run(p.voidPayment, { orderId: randomUUID(), reason: 'cancelled' })).toEqual({ changed: false, status: 'NONE' });
    const declined = authorisation(randomUUID(), TEST_PAYMENT_METHODS.declined);
    await run(p.authorisePayment, declined);
    expect(await run(p.voidPayment, { orderId: declined.orderId, reason: 'rejected' })).toEqual({ changed: false, status: 'DECLINED' });
    expect(await kinds(declined.orderId)).toEqual(['decline 1000']);
  });

  it("a provider's refusal fails for good (an authorisation captured behind the record's back)", async () => {
    const p = payments();
    const orderId = await authorised(p);
    const { authorisation_id } = (await payment(orderId))!;
    await createSandboxProvider({ url: sandbox.url, timeoutMs: 5_000 }).capture({ authorisationId: authorisation_id!, amountCents: 1000, idempotencyKey: `elsewhere:${orderId}` });
    await expect(run(p.voidPayment, { orderId, reason: 'cancelled' })).rejects.toMatchObject({ name: 'DomainError', type: 'PAYMENT_PROVIDER_REFUSED', details: { code: 'authorisation_captured' } });
    expect(await payment(orderId)).toMatchObject({ status: 'AUTHORISED' });
  });
});

describe('refundPayment', () => {
  it('refunds part, then the rest, once per refund ID; never more than was captured', async () => {
    const p = payments();
    const orderId = await authorised(p);
    await run(p.capturePayment, { orderId, amountCents: 1000 });
    expect(await run(p.refundPayment, { orderId, refundId: 'r1', amountCents: 300, reason: 'one line' })).toEqual({ changed: true, status: 'PARTIALLY_REFUNDED' });
    expect(await run(p.refundPayment, { orderId, refundId: 'r1', amountCents: 300, reason: 'one line' })).toEqual({ changed: false, status: 'PARTIALLY_REFUNDED' });
    await expect(run(p.refundPayment, { orderId, refundId: 'r2', amountCents: 701, reason: 'too much' })).rejects.toMatchObject({ type: 'INVALID_DATA' });
    expect(await run(p.refundPayment, { orderId, refundId: 'r3', amountCents: 700, reason: 'the rest' })).toEqual({ changed: true, status: 'REFUNDED' });
    expect(await run(p.refundPayment, { orderId, refundId: 'r3', amountCents: 700, reason: 'the rest' })).toEqual({ changed: false, status: 'REFUNDED' });

    expect(await kinds(orderId)).toEqual(['authorisation 1000', 'capture 1000', 'refund 300', 'refund 700']);
    expect(await payment(orderId)).toMatchObject({ status: 'REFUNDED', captured_cents: 1000, refunded_cents: 1000 });
    expect((await p.metrics.amounts.get()).values.find(({ labels }) => labels.operation === 'refunded')?.value).toBe(1000);
  });

  it('overlapping attempts of one refund give back its amount once', async () => {
    const p = payments();
    const orderId = await authorised(p);
    await run(p.capturePayment, { orderId, amountCents: 1000 });
    const answers = await Promise.all(Array.from({ length: 3 }, () => run(p.refundPayment, { orderId, refundId: 'r1', amountCents: 250, reason: 'late' })));
    expect(answers.filter((answer) => answer.changed)).toHaveLength(1);
    expect(await kinds(orderId)).toEqual(['authorisation 1000', 'capture 1000', 'refund 250']);
    expect(await payment(orderId)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refunded_cents: 250 });
  });

  it('of a payment never captured fails for good', async () => {
    const p = payments();
    await expect(run(p.refundPayment, { orderId: randomUUID(), refundId: 'r1', amountCents: 100, reason: 'x' })).rejects.toMatchObject({ type: 'PAYMENT_NOT_AUTHORISED' });
    const orderId = await authorised(p);
    await expect(run(p.refundPayment, { orderId, refundId: 'r1', amountCents: 100, reason: 'x' })).rejects.toMatchObject({ type: 'INVALID_DATA' });
    expect(await kinds(orderId)).toEqual(['authorisation 1000']);
  });
});

describe('the read port', () => {
  it("answers an order's payment through the reader role", async () => {
    const p = payments();
    const orderId = await authorised(p);
    await run(p.capturePayment, { orderId, amountCents: 800 });
    const reads = createPaymentReads(readers.payment);
    expect(await reads.paymentOf(orderId)).toEqual({
      orderId,
      provider: 'sandbox',
      status: 'CAPTURED',
      amountCents: 1000,
      currency: 'EUR',
      capturedCents: 800,
      refundedCents: 0,
      declineCode: null,
      authorisedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    expect(await reads.paymentOf(randomUUID())).toBeUndefined();
  });
});
