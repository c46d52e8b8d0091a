import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSandboxApp } from './app.js';
import { openLedger, type Step } from './ledger.js';

const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'payment-sandbox-')), 'nested', 'ledger.jsonl');

const authorisation = (id: string, key: string): Step => ({
  response: { idempotencyKey: key, fingerprint: `fp-${key}`, status: 200, body: { id } },
  entry: { id, kind: 'authorisation', orderId: 'order-1', authorisationId: id, amountCents: 5000, currency: 'EUR', idempotencyKey: key, at: '2026-01-01T00:00:00.000Z' },
  expiresAt: '2026-01-08T00:00:00.000Z',
});
const capture = (authorisationId: string, key: string): Step => ({
  response: { idempotencyKey: key, fingerprint: `fp-${key}`, status: 200, body: { id: 'cap_1' } },
  entry: { id: 'cap_1', kind: 'capture', orderId: 'order-1', authorisationId, amountCents: 4000, currency: 'EUR', idempotencyKey: key, at: '2026-01-01T00:00:01.000Z' },
});

describe('the ledger file', () => {
  it('holds one line per step and gives the same state back when opened again', () => {
    const file = tempFile();
    const ledger = openLedger(file);
    ledger.record(authorisation('auth_1', 'a'));
    ledger.record(capture('auth_1', 'c'));
    ledger.record({ response: { idempotencyKey: 'v', fingerprint: 'fp-v', status: 404, body: { error: { code: 'authorisation_not_found' } } } });
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(4);

    const reopened = openLedger(file);
    expect(reopened.entries()).toEqual(ledger.entries());
    expect(reopened.authorisation('auth_1')).toEqual({
      id: 'auth_1',
      orderId: 'order-1',
      amountCents: 5000,
      currency: 'EUR',
      expiresAt: '2026-01-08T00:00:00.000Z',
      capturedCents: 4000,
      voided: false,
      refundedCents: 0,
    });
    expect(reopened.answer('v')).toEqual(ledger.answer('v'));
  });

  it('cuts off a last line the process died writing, so that the next line starts clean', () => {
    const file = tempFile();
    openLedger(file).record(authorisation('auth_1', 'a'));
    appendFileSync(file, JSON.stringify(capture('auth_1', 'c')).slice(0, 40));
    const reopened = openLedger(file);
    expect(reopened.answer('c')).toBeUndefined();
    reopened.record(capture('auth_1', 'c2'));
    expect(openLedger(file).entries().map((entry) => entry.idempotencyKey)).toEqual(['a', 'c2']);
  });

  it('refuses to start on a line that is not a step, naming the line', () => {
    const file = tempFile();
    openLedger(file).record(authorisation('auth_1', 'a'));
    appendFileSync(file, 'garbage\n');
    expect(() => openLedger(file)).toThrow(`payment sandbox ledger ${file}, line 2: not a ledger line`);
  });

  it('answers a repeated request after a restart as it did before it', async () => {
    const file = tempFile();
    const request = () => ({
      method: 'POST',
      headers: { 'Idempotency-Key': 'orderflow:order-1:authorise' },
      body: JSON.stringify({ orderId: 'order-1', amountCents: 5000, currency: 'EUR', method: 'pm_card_visa' }),
    });
    const first = await (await createSandboxApp({ ledger: openLedger(file) }).request('/v1/authorisations', request())).json();
    const restarted = createSandboxApp({ ledger: openLedger(file) });
    const again = await restarted.request('/v1/authorisations', request());
    expect(again.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await again.json()).toEqual(first);
    expect(((await (await restarted.request('/v1/ledger')).json()) as { entries: unknown[] }).entries).toHaveLength(1);
  });
});
