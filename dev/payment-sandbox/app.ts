/**
 * The payment sandbox: a development and test stand-in for a payment provider, run as its own HTTP
 * server outside the system (like a real provider), charging no one. Its own small JSON API:
 *
 *   POST /v1/authorisations                {orderId, amountCents, currency, method}
 *        200 {id, status: 'AUTHORISED', amountCents, currency, expiresAt}
 *        402 {error: {code: 'card_declined', declineCode, message}}
 *   POST /v1/authorisations/{id}/capture   {amountCents}   at most the authorised amount, once,
 *        200 {id, authorisationId, status: 'CAPTURED', amountCents, currency}
 *        409 authorisation_expired (at or after expiresAt), already_captured, authorisation_voided,
 *            amount_exceeds_authorisation
 *   POST /v1/authorisations/{id}/void      (no body)       only before a capture; an expired
 *        authorisation can still be voided (its hold is gone either way)
 *        200 {id, authorisationId, status: 'VOIDED'}
 *        409 authorisation_captured, authorisation_voided
 *   POST /v1/authorisations/{id}/refunds   {amountCents}   all refunds together at most the capture
 *        200 {id, authorisationId, amountCents, currency, refundedCents}
 *        409 not_captured, refund_exceeds_capture
 *   GET  /v1/ledger[?orderId=]             {entries: [{id, kind, orderId, authorisationId,
 *        amountCents, currency, idempotencyKey, at}]}, oldest first; kind is authorisation,
 *        decline, capture, void or refund
 *   GET  /health                           {status: 'ok'}
 *
 * Every POST needs an `Idempotency-Key` header (at most 255 characters), as Stripe's API:
 * the same key with the same method, path and body answers the first answer again (with
 * `Idempotent-Replayed: true`) and changes nothing; the same key with another request is 409
 * idempotency_key_reused. A request refused before it ran (400: no key, a body that is not JSON
 * or not valid) keeps nothing under its key; every other answer, refusals included, is kept.
 * An unknown authorisation is 404 authorisation_not_found. Every error is {error: {code, message}}.
 *
 * Payment methods are Stripe's test ones: pm_card_chargeDeclined declines (generic_decline),
 * pm_card_chargeDeclinedInsufficientFunds declines (insufficient_funds), and every other pm_
 * token (pm_card_visa) authorises. A decline is in the ledger too.
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { PAYMENT_METHOD_PATTERN, TEST_PAYMENT_METHODS } from '../../activities/payment/contract.js';
import type { HeldAuthorisation, Ledger, LedgerEntry } from './ledger.js';

/** How long an authorisation holds the funds unless told otherwise: 7 days, as Stripe's card payments. */
export const DEFAULT_AUTHORISATION_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/** Stripe's decline codes and messages for its declining test payment methods. */
const DECLINES: Record<string, { declineCode: string; message: string }> = {
  [TEST_PAYMENT_METHODS.declined]: { declineCode: 'generic_decline', message: 'Your card was declined.' },
  [TEST_PAYMENT_METHODS.insufficientFunds]: { declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
};

const amountCents = z.number().int().positive().max(99_999_999);
const authoriseBody = z.strictObject({
  orderId: z.string().min(1).max(200),
  amountCents,
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals'),
  method: z.string().regex(PAYMENT_METHOD_PATTERN, 'a payment-method token (pm_...)'),
});
const amountBody = z.strictObject({ amountCents });
const noBody = z.strictObject({});

/** What a request did: its answer, and the entry it made if it moved money (or declined). */
interface Decision {
  status: ContentfulStatusCode;
  body: unknown;
  entry?: Omit<LedgerEntry, 'idempotencyKey' | 'at'>;
  expiresAt?: string;
}

const refusal = (status: ContentfulStatusCode, code: string, message: string): Decision => ({ status, body: { error: { code, message } } });

export interface SandboxAppOptions {
  ledger: Ledger;
  authorisationValidityMs?: number;
  /** The sandbox's clock: tests move it to expire an authorisation without waiting. */
  now?: () => Date;
}

export function createSandboxApp({ ledger, authorisationValidityMs = DEFAULT_AUTHORISATION_VALIDITY_MS, now = () => new Date() }: SandboxAppOptions): Hono {
  const app = new Hono();

  /**
   * Runs a POST once per Idempotency-Key: a repeat gets the first answer, another request under
   * the same key is refused, and a new one is decided and recorded before it is answered.
   */
  async function once<S extends z.ZodType>(c: Context, schema: S, decide: (input: z.infer<S>, at: Date) => Decision): Promise<Response> {
    const idempotencyKey = c.req.header('Idempotency-Key');
    if (!idempotencyKey || idempotencyKey.length > 255) {
      return answer(c, refusal(400, 'idempotency_key_missing', 'Every POST needs an Idempotency-Key header of 1 to 255 characters'));
    }
    const text = await c.req.text();
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      return answer(c, refusal(400, 'invalid_request', 'The body is not JSON'));
    }
    const fingerprint = JSON.stringify([c.req.method, c.req.path, canonical(body)]);
    const first = ledger.answer(idempotencyKey);
    if (first) {
      if (first.fingerprint !== fingerprint) {
        return answer(c, refusal(409, 'idempotency_key_reused', `Idempotency-Key ${idempotencyKey} was first used with another request`));
      }
      c.header('Idempotent-Replayed', 'true');
      return answer(c, { status: first.status as ContentfulStatusCode, body: first.body });
    }
    const input = schema.safeParse(body);
    if (!input.success) {
      const problems = input.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
      return answer(c, refusal(400, 'invalid_request', problems.join('; ')));
    }
    const at = now();
    const decision = decide(input.data, at);
    ledger.record({
      response: { idempotencyKey, fingerprint, status: decision.status, body: decision.body },
      ...(decision.entry && { entry: { ...decision.entry, idempotencyKey, at: at.toISOString() } }),
      ...(decision.expiresAt && { expiresAt: decision.expiresAt }),
    });
    return answer(c, decision);
  }

  /** Decides about an existing authorisation; an unknown one is 404. */
  const held = (c: Context, decide: (authorisation: HeldAuthorisation) => Decision): Decision => {
    const id = c.req.param('id')!;
    const authorisation = ledger.authorisation(id);
    return authorisation ? decide(authorisation) : refusal(404, 'authorisation_not_found', `No authorisation ${id}`);
  };

  app.post('/v1/authorisations', (c) =>
    once(c, authoriseBody, ({ orderId, amountCents, currency, method }, at) => {
      const decline = DECLINES[method];
      if (decline) {
        return {
          status: 402,
          body: { error: { code: 'card_declined', ...decline } },
          entry: { id: newId('decl'), kind: 'decline', orderId, authorisationId: null, amountCents, currency },
        };
      }
      const id = newId('auth');
      const expiresAt = new Date(at.getTime() + authorisationValidityMs).toISOString();
      return {
        status: 200,
        body: { id, status: 'AUTHORISED', amountCents, currency, expiresAt },
        entry: { id, kind: 'authorisation', orderId, authorisationId: id, amountCents, currency },
        expiresAt,
      };
    }),
  );

  app.post('/v1/authorisations/:id/capture', (c) =>
    once(c, amountBody, ({ amountCents }, at) =>
      held(c, (authorisation) => {
        const { id: authorisationId, orderId, currency } = authorisation;
        if (authorisation.voided) return refusal(409, 'authorisation_voided', `Authorisation ${authorisationId} was voided`);
        if (authorisation.capturedCents !== null) return refusal(409, 'already_captured', `Authorisation ${authorisationId} was already captured`);
        if (at.getTime() >= Date.parse(authorisation.expiresAt)) {
          return refusal(409, 'authorisation_expired', `Authorisation ${authorisationId} expired at ${authorisation.expiresAt}`);
        }
        if (amountCents > authorisation.amountCents) {
          return refusal(409, 'amount_exceeds_authorisation', `Capture of ${amountCents} exceeds the ${authorisation.amountCents} authorised`);
        }
        const id = newId('cap');
        return {
          status: 200,
          body: { id, authorisationId, status: 'CAPTURED', amountCents, currency },
          entry: { id, kind: 'capture', orderId, authorisationId, amountCents, currency },
        };
      }),
    ),
  );

  app.post('/v1/authorisations/:id/void', (c) =>
    once(c, noBody, () =>
      held(c, ({ id: authorisationId, orderId, amountCents, currency, capturedCents, voided }) => {
        if (capturedCents !== null) return refusal(409, 'authorisation_captured', `Authorisation ${authorisationId} was captured: refund it instead`);
        if (voided) return refusal(409, 'authorisation_voided', `Authorisation ${authorisationId} was already voided`);
        const id = newId('void');
        return {
          status: 200,
          body: { id, authorisationId, status: 'VOIDED' },
          entry: { id, kind: 'void', orderId, authorisationId, amountCents, currency },
        };
      }),
    ),
  );

  app.post('/v1/authorisations/:id/refunds', (c) =>
    once(c, amountBody, ({ amountCents }) =>
      held(c, ({ id: authorisationId, orderId, currency, capturedCents, refundedCents }) => {
        if (capturedCents === null) return refusal(409, 'not_captured', `Authorisation ${authorisationId} has no capture to refund`);
        if (refundedCents + amountCents > capturedCents) {
          return refusal(409, 'refund_exceeds_capture', `Refund of ${amountCents} exceeds the ${capturedCents - refundedCents} left of the ${capturedCents} captured`);
        }
        const id = newId('re');
        return {
          status: 200,
          body: { id, authorisationId, amountCents, currency, refundedCents: refundedCents + amountCents },
          entry: { id, kind: 'refund', orderId, authorisationId, amountCents, currency },
        };
      }),
    ),
  );

  app.get('/v1/ledger', (c) => c.json({ entries: ledger.entries(c.req.query('orderId')) }));
  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.notFound((c) => answer(c, refusal(404, 'not_found', `No route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => answer(c, refusal(500, 'internal', error.message)));
  return app;
}

const answer = (c: Context, { status, body }: Decision) => c.json(body, status);

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

/** The body with its object keys sorted, so that a repeat is recognised whatever its key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}
