import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaymentSandboxServer } from '../../../test/support/payment-sandbox.js';
import { paymentIdempotencyKey, TEST_PAYMENT_METHODS } from '../contract.js';
import { ProviderRefusal } from '../provider.js';
import { createSandboxProvider, sandboxLedger } from './sandbox.js';

const VALIDITY_MS = 60_000;
let clock = Date.parse('2026-01-01T00:00:00Z');
const sandbox = new PaymentSandboxServer({ authorisationValidityMs: VALIDITY_MS, now: () => new Date(clock) });
beforeAll(() => sandbox.start());
afterAll(() => sandbox.stop());

const provider = () => createSandboxProvider({ url: sandbox.url, timeoutMs: 5_000 });
const authorise = (orderId: string, method: string = TEST_PAYMENT_METHODS.succeeds) =>
  provider().authorise({ orderId, amountCents: 4999, currency: 'EUR', method, idempotencyKey: paymentIdempotencyKey(orderId, 'authorise') });

describe('the sandbox provider', () => {
  it('authorises, captures and refunds, each step once in the ledger', async () => {
    const orderId = randomUUID();
    const held = await authorise(orderId);
    expect(held).toEqual({ ok: true, authorisationId: expect.stringMatching(/^auth_/), amountCents: 4999, currency: 'EUR', expiresAt: new Date(clock + VALIDITY_MS).toISOString() });
    if (!held.ok) return;
    const capture = { authorisationId: held.authorisationId, amountCents: 4999, idempotencyKey: paymentIdempotencyKey(orderId, 'capture') };
    const { captureId } = await provider().capture(capture);
    const refund = { authorisationId: held.authorisationId, amountCents: 1000, idempotencyKey: paymentIdempotencyKey(orderId, { refund: 'r1' }) };
    const { refundId } = await provider().refund(refund);

    // A retried activity repeats its call with the same key: the first answer, nothing done again.
    expect(await authorise(orderId)).toEqual(held);
    expect(await provider().capture(capture)).toEqual({ captureId });
    expect(await provider().refund(refund)).toEqual({ refundId });

    expect(await sandboxLedger(sandbox.url, orderId)).toEqual([
      { id: held.authorisationId, kind: 'authorisation', orderId, authorisationId: held.authorisationId, amountCents: 4999, currency: 'EUR', idempotencyKey: paymentIdempotencyKey(orderId, 'authorise'), at: expect.any(String) },
      { id: captureId, kind: 'capture', orderId, authorisationId: held.authorisationId, amountCents: 4999, currency: 'EUR', idempotencyKey: capture.idempotencyKey, at: expect.any(String) },
      { id: refundId, kind: 'refund', orderId, authorisationId: held.authorisationId, amountCents: 1000, currency: 'EUR', idempotencyKey: refund.idempotencyKey, at: expect.any(String) },
    ]);
  });

  it('returns a decline with its code, and voids an authorisation', async () => {
    const orderId = randomUUID();
    expect(await authorise(orderId, TEST_PAYMENT_METHODS.insufficientFunds)).toEqual({ ok: false, declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' });
    expect((await sandboxLedger(sandbox.url, orderId)).map((entry) => entry.kind)).toEqual(['decline']);

    const voided = randomUUID();
    const held = await authorise(voided);
    if (!held.ok) throw new Error('not authorised');
    const request = { authorisationId: held.authorisationId, idempotencyKey: paymentIdempotencyKey(voided, 'void') };
    await provider().void(request);
    await provider().void(request);
    expect((await sandboxLedger(sandbox.url, voided)).map((entry) => entry.kind)).toEqual(['authorisation', 'void']);
  });

  it('refuses for good what the sandbox refuses: ProviderRefusal with its code', async () => {
    const refused = provider().capture({ authorisationId: 'auth_unknown', amountCents: 1, idempotencyKey: randomUUID() });
    await expect(refused).rejects.toBeInstanceOf(ProviderRefusal);
    await expect(refused).rejects.toMatchObject({ code: 'authorisation_not_found', expired: false });
  });

  it('a capture after the authorisation expired is a ProviderRefusal marked expired', async () => {
    const orderId = randomUUID();
    const held = await authorise(orderId);
    if (!held.ok) throw new Error('not authorised');
    clock += VALIDITY_MS;
    const capture = provider().capture({ authorisationId: held.authorisationId, amountCents: 4999, idempotencyKey: paymentIdempotencyKey(orderId, 'capture') });
    await expect(capture).rejects.toBeInstanceOf(ProviderRefusal);
    await expect(capture).rejects.toMatchObject({ code: 'authorisation_expired', expired: true, message: `Authorisation ${held.authorisationId} expired at ${held.expiresAt}` });
  });

  it('an unreachable sandbox is an ordinary Error naming it (retried); back on the same port with its ledger, the retry is answered once', async () => {
    const orderId = randomUUID();
    const held = await authorise(orderId);
    await sandbox.stop();
    try {
      const failed = authorise(orderId);
      // Refused, or (a kept-alive connection cut as it was reused) closed: either way a fault to retry.
      await expect(failed).rejects.toThrow(`payment sandbox POST ${sandbox.url}/v1/authorisations: `);
      await expect(failed).rejects.not.toBeInstanceOf(ProviderRefusal);
    } finally {
      await sandbox.start();
    }
    expect(await authorise(orderId)).toEqual(held);
    expect(await sandboxLedger(sandbox.url, orderId)).toHaveLength(1);
  });

  it.each([
    ['a 503', 503],
    ['a 429', 429],
  ])('%s is an ordinary Error naming the call (retried)', async (_, status) => {
    await withServer(
      (_request, response) => response.writeHead(status, { 'Content-Type': 'application/json' }).end('{"error":{"code":"busy","message":"busy"}}'),
      async (url) => {
        const busy = createSandboxProvider({ url, timeoutMs: 5_000 }).refund({ authorisationId: 'auth_1', amountCents: 1, idempotencyKey: 'k' });
        await expect(busy).rejects.toThrow(`payment sandbox POST ${url}/v1/authorisations/auth_1/refunds: answered ${status}`);
        await expect(busy).rejects.not.toBeInstanceOf(ProviderRefusal);
      },
    );
  });

  it('a call the sandbox does not answer in time is an ordinary Error naming it', async () => {
    await withServer(
      () => {},
      async (url) => {
        const slow = createSandboxProvider({ url, timeoutMs: 200 }).void({ authorisationId: 'auth_1', idempotencyKey: 'k' });
        await expect(slow).rejects.toThrow(`payment sandbox POST ${url}/v1/authorisations/auth_1/void: no answer within 200 ms`);
        await expect(slow).rejects.not.toBeInstanceOf(ProviderRefusal);
      },
    );
  });
});

/** A stand-in for a sandbox in trouble, on loopback, for the length of `use`. */
async function withServer(listener: RequestListener, use: (url: string) => Promise<void>): Promise<void> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
