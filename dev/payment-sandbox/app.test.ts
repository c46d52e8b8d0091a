import { describe, expect, it } from 'vitest';
import { TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import { createSandboxApp } from './app.js';
import { openLedger } from './ledger.js';

const HOUR = 3_600_000;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever the body holds
type Body = any;

/** The sandbox in memory on a clock the test moves. */
function sandbox(authorisationValidityMs = 7 * 24 * HOUR) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const ledger = openLedger();
  const app = createSandboxApp({ ledger, authorisationValidityMs, now: () => new Date(clock) });
  let keys = 0;
  const post = async (path: string, body?: unknown, key: string | null = `key-${++keys}`) => {
    const response = await app.request(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(key !== null && { 'Idempotency-Key': key }) },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: response.status, replayed: response.headers.get('Idempotent-Replayed') === 'true', body: (await response.json()) as Body };
  };
  const authorise = (orderId: string, amountCents = 5000, method: string = TEST_PAYMENT_METHODS.succeeds, key?: string) =>
    post('/v1/authorisations', { orderId, amountCents, currency: 'EUR', method }, key);
  const ledgerOf = async (orderId?: string) => ((await (await app.request(`/v1/ledger${orderId ? `?orderId=${orderId}` : ''}`)).json()) as Body).entries;
  return { post, authorise, ledgerOf, advance: (ms: number) => (clock += ms) };
}

describe('authorisations and the test payment methods', () => {
  it('pm_card_visa authorises the amount until the validity runs out, and the ledger says so', async () => {
    const s = sandbox(2 * HOUR);
    const answer = await s.authorise('order-1', 1999, 'pm_card_visa', 'orderflow:order-1:authorise');
    expect(answer).toEqual({
      status: 200,
      replayed: false,
      body: { id: expect.stringMatching(/^auth_/), status: 'AUTHORISED', amountCents: 1999, currency: 'EUR', expiresAt: '2026-01-01T02:00:00.000Z' },
    });
    expect(await s.ledgerOf('order-1')).toEqual([
      {
        id: answer.body.id,
        kind: 'authorisation',
        orderId: 'order-1',
        authorisationId: answer.body.id,
        amountCents: 1999,
        currency: 'EUR',
        idempotencyKey: 'orderflow:order-1:authorise',
        at: '2026-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('any other pm_ token not listed authorises', async () => {
    expect((await sandbox().authorise('order-1', 100, 'pm_1QxYzAbCdEf')).body.status).toBe('AUTHORISED');
  });

  it.each([
    [TEST_PAYMENT_METHODS.declined, 'generic_decline', 'Your card was declined.'],
    [TEST_PAYMENT_METHODS.insufficientFunds, 'insufficient_funds', 'Your card has insufficient funds.'],
  ])('%s declines with %s, and the decline is in the ledger', async (method, declineCode, message) => {
    const s = sandbox();
    expect(await s.authorise('order-1', 5000, method)).toMatchObject({ status: 402, body: { error: { code: 'card_declined', declineCode, message } } });
    expect(await s.ledgerOf('order-1')).toMatchObject([{ kind: 'decline', orderId: 'order-1', authorisationId: null, amountCents: 5000, currency: 'EUR', id: expect.stringMatching(/^decl_/) }]);
  });

  it('refuses a body that is not an authorisation request (400), and keeps nothing', async () => {
    const s = sandbox();
    const bad = await s.post('/v1/authorisations', { orderId: 'order-1', amountCents: 0, currency: 'eur', method: '4242424242424242' }, 'k');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.message).toContain('amountCents');
    expect(bad.body.error.message).toContain('currency');
    expect(bad.body.error.message).toContain('method');
    expect((await s.post('/v1/authorisations', '{not json', 'k2')).body.error).toEqual({ code: 'invalid_request', message: 'The body is not JSON' });
    // Nothing was kept under the key: the corrected request under it runs.
    expect((await s.authorise('order-1', 100, TEST_PAYMENT_METHODS.succeeds, 'k')).status).toBe(200);
    expect(await s.ledgerOf()).toHaveLength(1);
  });
});

describe('Idempotency-Key', () => {
  it('is required on every POST', async () => {
    const s = sandbox();
    const missing = await s.post('/v1/authorisations', { orderId: 'o', amountCents: 1, currency: 'EUR', method: 'pm_card_visa' }, null);
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'idempotency_key_missing' } } });
    expect((await s.post('/v1/authorisations', {}, 'k'.repeat(256))).status).toBe(400);
  });

  it('the same key and body answers the first answer again, marked replayed, and changes nothing', async () => {
    const s = sandbox();
    const first = await s.authorise('order-1', 5000, 'pm_card_visa', 'a');
    s.advance(HOUR);
    const again = await s.post('/v1/authorisations', { method: 'pm_card_visa', currency: 'EUR', amountCents: 5000, orderId: 'order-1' }, 'a');
    expect(again).toEqual({ ...first, replayed: true });
    const id = first.body.id;
    const capture = await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 5000 }, 'c');
    expect(await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 5000 }, 'c')).toEqual({ ...capture, replayed: true });
    expect((await s.ledgerOf('order-1')).map((entry: { kind: string }) => entry.kind)).toEqual(['authorisation', 'capture']);
  });

  it('replays a decline and a refusal as first answered', async () => {
    const s = sandbox();
    const decline = await s.authorise('order-1', 5000, TEST_PAYMENT_METHODS.declined, 'd');
    expect(await s.authorise('order-1', 5000, TEST_PAYMENT_METHODS.declined, 'd')).toEqual({ ...decline, replayed: true });
    const unknown = await s.post('/v1/authorisations/auth_nope/void', undefined, 'v');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'authorisation_not_found' } } });
    expect(await s.post('/v1/authorisations/auth_nope/void', undefined, 'v')).toEqual({ ...unknown, replayed: true });
    expect(await s.ledgerOf('order-1')).toHaveLength(1);
  });

  it('the same key with another body or another path is 409 idempotency_key_reused', async () => {
    const s = sandbox();
    const { body } = await s.authorise('order-1', 5000, 'pm_card_visa', 'a');
    expect(await s.authorise('order-1', 5001, 'pm_card_visa', 'a')).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });
    expect((await s.post(`/v1/authorisations/${body.id}/capture`, { amountCents: 5000 }, 'a')).body.error.code).toBe('idempotency_key_reused');
    expect(await s.ledgerOf()).toHaveLength(1);
  });
});

describe('capture, void and refund', () => {
  async function authorised(s: ReturnType<typeof sandbox>, amountCents = 5000) {
    return (await s.authorise('order-1', amountCents)).body.id as string;
  }

  it('captures at most the authorised amount, once', async () => {
    const s = sandbox();
    const id = await authorised(s);
    expect(await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 5001 })).toMatchObject({ status: 409, body: { error: { code: 'amount_exceeds_authorisation' } } });
    expect(await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 4000 })).toMatchObject({
      status: 200,
      body: { id: expect.stringMatching(/^cap_/), authorisationId: id, status: 'CAPTURED', amountCents: 4000, currency: 'EUR' },
    });
    expect(await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 1000 })).toMatchObject({ status: 409, body: { error: { code: 'already_captured' } } });
    expect(await s.ledgerOf('order-1')).toMatchObject([{ kind: 'authorisation' }, { kind: 'capture', authorisationId: id, amountCents: 4000 }]);
  });

  it('refuses a capture at or after expiresAt with 409 authorisation_expired; the authorisation can still be voided', async () => {
    const s = sandbox(90_000);
    const id = await authorised(s);
    s.advance(89_999);
    const early = await authorised(s);
    s.advance(1);
    expect(await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 5000 })).toMatchObject({
      status: 409,
      body: { error: { code: 'authorisation_expired', message: `Authorisation ${id} expired at 2026-01-01T00:01:30.000Z` } },
    });
    expect((await s.post(`/v1/authorisations/${early}/capture`, { amountCents: 5000 })).status).toBe(200);
    expect((await s.post(`/v1/authorisations/${id}/void`)).body.status).toBe('VOIDED');
  });

  it('voids only before a capture, and once', async () => {
    const s = sandbox();
    const id = await authorised(s);
    expect(await s.post(`/v1/authorisations/${id}/void`)).toMatchObject({ status: 200, body: { id: expect.stringMatching(/^void_/), authorisationId: id, status: 'VOIDED' } });
    expect((await s.post(`/v1/authorisations/${id}/void`)).body.error.code).toBe('authorisation_voided');
    expect(await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 5000 })).toMatchObject({ status: 409, body: { error: { code: 'authorisation_voided' } } });

    const captured = await authorised(s);
    await s.post(`/v1/authorisations/${captured}/capture`, { amountCents: 5000 });
    expect(await s.post(`/v1/authorisations/${captured}/void`)).toMatchObject({ status: 409, body: { error: { code: 'authorisation_captured' } } });
    expect(await s.ledgerOf('order-1')).toMatchObject([{ kind: 'authorisation' }, { kind: 'void', authorisationId: id, amountCents: 5000 }, { kind: 'authorisation' }, { kind: 'capture' }]);
  });

  it('refunds only what was captured, in parts that add up to no more', async () => {
    const s = sandbox();
    const id = await authorised(s);
    expect(await s.post(`/v1/authorisations/${id}/refunds`, { amountCents: 100 })).toMatchObject({ status: 409, body: { error: { code: 'not_captured' } } });
    await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 3000 });
    expect(await s.post(`/v1/authorisations/${id}/refunds`, { amountCents: 1000 })).toMatchObject({
      status: 200,
      body: { id: expect.stringMatching(/^re_/), authorisationId: id, amountCents: 1000, currency: 'EUR', refundedCents: 1000 },
    });
    expect(await s.post(`/v1/authorisations/${id}/refunds`, { amountCents: 2001 })).toMatchObject({ status: 409, body: { error: { code: 'refund_exceeds_capture' } } });
    expect((await s.post(`/v1/authorisations/${id}/refunds`, { amountCents: 2000 })).body.refundedCents).toBe(3000);
    expect((await s.post(`/v1/authorisations/${id}/refunds`, { amountCents: 1 })).body.error.code).toBe('refund_exceeds_capture');
    expect((await s.ledgerOf('order-1')).map((entry: { kind: string; amountCents: number }) => [entry.kind, entry.amountCents])).toEqual([
      ['authorisation', 5000],
      ['capture', 3000],
      ['refund', 1000],
      ['refund', 2000],
    ]);
  });

  it('an unknown authorisation is 404, a bad amount 400, an unknown route 404', async () => {
    const s = sandbox();
    expect(await s.post('/v1/authorisations/auth_nope/capture', { amountCents: 1 })).toMatchObject({ status: 404, body: { error: { code: 'authorisation_not_found' } } });
    const id = await authorised(s);
    expect(await s.post(`/v1/authorisations/${id}/capture`, { amountCents: 1.5 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await s.post(`/v1/authorisations/${id}/void`, { amountCents: 1 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_request' } } });
    expect(await s.post('/v1/charges', {})).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('GET /v1/ledger', () => {
  it("answers one order's entries, or every entry, oldest first", async () => {
    const s = sandbox();
    await s.authorise('order-1');
    await s.authorise('order-2', 100, TEST_PAYMENT_METHODS.insufficientFunds);
    await s.authorise('order-1', 200);
    expect((await s.ledgerOf('order-1')).map((entry: { amountCents: number }) => entry.amountCents)).toEqual([5000, 200]);
    expect((await s.ledgerOf()).map((entry: { orderId: string }) => entry.orderId)).toEqual(['order-1', 'order-2', 'order-1']);
    expect(await s.ledgerOf('order-3')).toEqual([]);
  });
});
