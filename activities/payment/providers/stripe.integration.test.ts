import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeMock, STRIPE_MOCK_KEY, type StripeMock } from '../../../test/support/stripe-mock.js';
import { paymentIdempotencyKey, TEST_PAYMENT_METHODS } from '../contract.js';
import { ProviderRefusal } from '../provider.js';
import { createStripeClient, createStripeProvider, stripeProvider } from './stripe.js';

// stripe-mock validates every request against Stripe's OpenAPI spec and answers from canned
// fixtures, reflecting some of the request (IDs in paths, amount, currency, the Idempotency-Key
// header). It is stateless: it does not decline pm_card_chargeDeclined, remember a capture, or let a
// hold lapse; its objects' states and timestamps are its fixtures'. Declines and expiries are in
// stripe.test.ts, from the stripe package's own error classes.

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;

let mock: StripeMock;
beforeAll(async () => {
  mock = await startStripeMock();
});
afterAll(() => mock?.stop());

const settings = () => ({ secretKey: STRIPE_MOCK_KEY, apiUrl: mock.url, timeoutMs: 10_000 });
const order = () => ({ orderId: randomUUID(), amountCents: 2500, currency: 'EUR', method: TEST_PAYMENT_METHODS.succeeds });

describe('Stripe provider against stripe-mock', () => {
  it('authorises with a PaymentIntent of the amount and currency, held until 7 days after it was made', async () => {
    const stripe = createStripeClient(settings());
    const request = order();
    const result = await stripeProvider(stripe).authorise({ ...request, idempotencyKey: paymentIdempotencyKey(request.orderId, 'authorise') });

    // stripe-mock accepted every parameter (its spec's validation) and reflected amount and currency.
    expect(result).toMatchObject({ ok: true, amountCents: 2500, currency: 'EUR' });
    if (!result.ok) throw new Error('not authorised');
    expect(result.authorisationId).toMatch(/^pi_\w+$/);
    // Its charge gives no capture_before: 7 days after the PaymentIntent's (fixture's) creation.
    const { created } = await stripe.paymentIntents.retrieve(result.authorisationId);
    expect(Date.parse(result.expiresAt)).toBe(created * SECOND + 7 * DAY);
  });

  it('captures, voids and refunds the authorisation as the port promises', async () => {
    const provider = createStripeProvider(settings());
    const { orderId, ...request } = order();
    const authorisation = await provider.authorise({ orderId, ...request, idempotencyKey: paymentIdempotencyKey(orderId, 'authorise') });
    if (!authorisation.ok) throw new Error('not authorised');
    const authorisationId = authorisation.authorisationId;

    // stripe-mock's PaymentIntent has no charge: the capture is named by the PaymentIntent itself.
    await expect(provider.capture({ authorisationId, amountCents: 2000, idempotencyKey: paymentIdempotencyKey(orderId, 'capture') })).resolves.toEqual({ captureId: authorisationId });
    await expect(provider.void({ authorisationId, idempotencyKey: paymentIdempotencyKey(orderId, 'void') })).resolves.toBeUndefined();
    const { refundId } = await provider.refund({ authorisationId, amountCents: 500, idempotencyKey: paymentIdempotencyKey(orderId, { refund: 'r1' }) });
    expect(refundId).toMatch(/^re_\w+$/);
  });

  it("sends each step's idempotency key to Stripe", async () => {
    const stripe = createStripeClient(settings());
    // The response's Idempotency-Key header, which stripe-mock sets from the request's, as Stripe does.
    const answered: Array<string | undefined> = [];
    stripe.on('response', (event: { idempotency_key?: string }) => answered.push(event.idempotency_key));
    const provider = stripeProvider(stripe);
    const { orderId, ...request } = order();
    const keys = [paymentIdempotencyKey(orderId, 'authorise'), paymentIdempotencyKey(orderId, 'capture'), paymentIdempotencyKey(orderId, 'void'), paymentIdempotencyKey(orderId, { refund: 'r1' })];

    const authorisation = await provider.authorise({ orderId, ...request, idempotencyKey: keys[0]! });
    if (!authorisation.ok) throw new Error('not authorised');
    const { authorisationId } = authorisation;
    await provider.capture({ authorisationId, amountCents: 2500, idempotencyKey: keys[1]! });
    await provider.void({ authorisationId, idempotencyKey: keys[2]! });
    await provider.refund({ authorisationId, amountCents: 2500, idempotencyKey: keys[3]! });

    expect(answered).toEqual(keys);
  });

  it('turns a request Stripe refuses as invalid into a ProviderRefusal', async () => {
    const { orderId, ...request } = order();
    // Amounts are in whole cents: the spec's integer.
    const refused = createStripeProvider(settings()).authorise({ orderId, ...request, amountCents: 12.5, idempotencyKey: paymentIdempotencyKey(orderId, 'authorise') });

    await expect(refused).rejects.toBeInstanceOf(ProviderRefusal);
    await expect(refused).rejects.toMatchObject({ code: 'invalid_request_error', expired: false, message: expect.stringMatching(/amount/) });
  });

  it('turns a key Stripe does not accept into a ProviderRefusal', async () => {
    const provider = createStripeProvider({ ...settings(), secretKey: 'sk_live_stripemock' });
    const refused = provider.void({ authorisationId: 'pi_unknown', idempotencyKey: paymentIdempotencyKey(randomUUID(), 'void') });

    await expect(refused).rejects.toBeInstanceOf(ProviderRefusal);
  });

  it('turns no answer into an ordinary Error, for the activity to retry', async () => {
    const stopped = await startStripeMock();
    await stopped.stop();
    const { orderId, ...request } = order();
    const failed = createStripeProvider({ ...settings(), apiUrl: stopped.url }).authorise({ orderId, ...request, idempotencyKey: paymentIdempotencyKey(orderId, 'authorise') });

    await expect(failed).rejects.toThrow(/^Stripe authorise did not complete/);
    await expect(failed).rejects.not.toBeInstanceOf(ProviderRefusal);
  });

  it('gives up on a silent Stripe after timeoutMs, with an ordinary Error', async () => {
    // Accepts connections and never answers.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const provider = createStripeProvider({ secretKey: STRIPE_MOCK_KEY, apiUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 });
      const failed = provider.capture({ authorisationId: 'pi_silent', amountCents: 100, idempotencyKey: paymentIdempotencyKey(randomUUID(), 'capture') });

      await expect(failed).rejects.toThrow(/^Stripe capture did not complete: .*timeout.*\(300ms\)/);
      await expect(failed).rejects.not.toBeInstanceOf(ProviderRefusal);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
