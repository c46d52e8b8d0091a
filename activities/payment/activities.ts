import type { Kysely } from 'kysely';
import { activityLogger } from '../../common/activity-logger.js';
import { DomainError, INVALID_DATA } from '../../common/domain-error.js';
import type { Logger } from '../../common/logger.js';
import type { Outcome } from '../../common/outcome.js';
import { isPaymentMethodToken, PAYMENT_FAILURE, paymentIdempotencyKey, type Authorisation, type AuthorisationRefusal, type PaymentActivities, type PaymentOutcome } from './contract.js';
import { createPaymentMetrics, type PaymentMetrics } from './metrics.js';
import { ProviderRefusal, type PaymentProvider } from './provider.js';
import {
  findPayment,
  isOperationRecorded,
  isVoidRequested,
  recordAuthorisation,
  recordCapture,
  recordDecline,
  recordExpiredCapture,
  recordRefund,
  recordVoid,
  recordVoidRequest,
  type PaymentRow,
} from './repository.js';
import type { PaymentDatabase } from './schema.js';

export interface PaymentActivityDeps {
  db: Kysely<PaymentDatabase>;
  log: Logger;
  provider: PaymentProvider;
  metrics?: PaymentMetrics;
}

/** The answer an authorisation on record gives, to its first attempt and to every replay alike. */
function authorisationOutcome(row: PaymentRow): Outcome<Authorisation, AuthorisationRefusal> {
  if (row.status === 'DECLINED') return { ok: false, reason: PAYMENT_FAILURE.declined, message: `The payment method was declined (${row.decline_code})` };
  return { ok: true, value: { authorisationId: row.authorisation_id!, amountCents: row.amount_cents, currency: row.currency, expiresAt: row.expires_at!.toISOString() } };
}

const paymentOutcome = (changed: boolean, row: PaymentRow): PaymentOutcome => ({ changed, status: row.status });

/** A capture, void or refund needs an authorisation that was made and is still there to act on. */
function authorised(row: PaymentRow | undefined, orderId: string, step: string): PaymentRow {
  if (!row || row.status === 'DECLINED') throw new DomainError(PAYMENT_FAILURE.notAuthorised, `No authorisation on record for order ${orderId} to ${step}`, { orderId });
  return row;
}

/**
 * A provider's refusal no retry can change becomes a non-retryable failure (the bootstrap makes a
 * DomainError one), so that no input makes an activity retry forever; anything else (a network
 * fault, a timeout, a 5xx) is thrown as it is, for Temporal to retry.
 */
const forGood = (error: unknown) => (error instanceof ProviderRefusal ? new DomainError(PAYMENT_FAILURE.providerRefused, error.message, { code: error.code }) : error);

const asking = <T>(call: () => Promise<T>): Promise<T> =>
  call().catch((error: unknown) => {
    throw forGood(error);
  });

/**
 * The payment steps. Each provider call carries its step's idempotency key, so that overlapping
 * attempts (a retry racing a zombie attempt) get one answer from the provider and one effect; each
 * recording is a guarded INSERT or UPDATE, so that only one of them records it and counts it, and
 * every other reports the state it found. Unlike SMTP, the provider deduplicates: no lease needed.
 */
export function createPaymentActivities({ db, log, provider, metrics = createPaymentMetrics() }: PaymentActivityDeps): PaymentActivities {
  /** Gives back what is left of a capture, as refund `refundId`: once per refund ID, at most what is left. */
  async function refund(row: PaymentRow, refundId: string, amountCents: number): Promise<PaymentOutcome> {
    const idempotencyKey = paymentIdempotencyKey(row.order_id, { refund: refundId });
    const { refundId: providerRefundId } = await asking(() => provider.refund({ authorisationId: row.authorisation_id!, amountCents, idempotencyKey }));
    const { changed, payment } = await recordRefund(db, row.order_id, { amountCents, refundId: providerRefundId, idempotencyKey });
    if (changed) {
      metrics.refunded.inc();
      metrics.amounts.inc({ operation: 'refunded', currency: row.currency }, amountCents);
    }
    return paymentOutcome(changed, payment);
  }

  /** Releases an authorisation not captured. */
  async function voidAuthorised(row: PaymentRow): Promise<PaymentOutcome> {
    const idempotencyKey = paymentIdempotencyKey(row.order_id, 'void');
    await asking(() => provider.void({ authorisationId: row.authorisation_id!, idempotencyKey }));
    const { changed, payment } = await recordVoid(db, row.order_id, { amountCents: row.amount_cents, idempotencyKey });
    if (changed) {
      metrics.voided.inc();
      metrics.amounts.inc({ operation: 'voided', currency: row.currency }, row.amount_cents);
    }
    return paymentOutcome(changed, payment);
  }

  return {
    async authorisePayment({ orderId, amountCents, currency, method }) {
      const alog = activityLogger(log, { orderId });
      const existing = await findPayment(db, orderId);
      if (existing) {
        alog.info({ status: existing.status }, 'authorisation already on record; the provider is not asked again');
        // An attempt that recorded it and died before voiding it (below): this one voids it.
        if (existing.status === 'AUTHORISED' && (await isVoidRequested(db, orderId))) await voidAuthorised(existing);
        return authorisationOutcome(existing);
      }
      if (!isPaymentMethodToken(method)) throw new DomainError(INVALID_DATA, 'The payment method is not a provider token (pm_...)', { orderId });
      const idempotencyKey = paymentIdempotencyKey(orderId, 'authorise');
      const payment = { orderId, provider: provider.name, method, amountCents, currency, idempotencyKey };
      const result = await asking(() => provider.authorise({ orderId, amountCents, currency, method, idempotencyKey }));
      if (!result.ok) {
        const { changed, payment: row } = await recordDecline(db, payment, result.declineCode);
        if (changed) metrics.declined.inc({ decline_code: result.declineCode });
        alog.info({ declineCode: result.declineCode, changed }, 'payment declined');
        return authorisationOutcome(row);
      }
      const { changed, payment: row, voidRequested } = await recordAuthorisation(db, payment, result);
      if (changed) {
        metrics.authorised.inc();
        metrics.amounts.inc({ operation: 'authorised', currency }, amountCents);
      }
      alog.info({ authorisationId: row.authorisation_id, changed }, 'payment authorised');
      if (voidRequested && row.status === 'AUTHORISED') {
        // The order was cancelled while this attempt was authorising, and its void found nothing
        // to void: release the funds now rather than hold them until the authorisation expires.
        alog.info(await voidAuthorised(row), 'payment voided: a void came before the authorisation');
      }
      return authorisationOutcome(row);
    },

    async capturePayment({ orderId, amountCents }) {
      const alog = activityLogger(log, { orderId });
      const row = authorised(await findPayment(db, orderId), orderId, 'capture');
      if (row.status === 'VOIDED') throw new DomainError(PAYMENT_FAILURE.notAuthorised, `The authorisation of order ${orderId} was voided: nothing to capture`, { orderId });
      if (row.status !== 'AUTHORISED') return { ok: true, value: paymentOutcome(false, row) };
      if (amountCents <= 0 || amountCents > row.amount_cents) {
        throw new DomainError(INVALID_DATA, `A capture of ${amountCents} for order ${orderId}, authorised for ${row.amount_cents}`, { orderId });
      }
      const idempotencyKey = paymentIdempotencyKey(orderId, 'capture');
      let captureId: string;
      try {
        ({ captureId } = await provider.capture({ authorisationId: row.authorisation_id!, amountCents, idempotencyKey }));
      } catch (error) {
        if (!(error instanceof ProviderRefusal && error.expired)) throw forGood(error);
        await recordExpiredCapture(db, orderId, { amountCents, idempotencyKey });
        alog.info({ authorisationId: row.authorisation_id, expiresAt: row.expires_at }, 'capture refused: the authorisation has expired');
        return { ok: false, reason: PAYMENT_FAILURE.authorisationExpired, message: error.message };
      }
      const { changed, payment } = await recordCapture(db, orderId, { amountCents, captureId, idempotencyKey });
      if (changed) {
        metrics.captured.inc();
        metrics.amounts.inc({ operation: 'captured', currency: row.currency }, amountCents);
      }
      alog.info({ captureId, changed }, 'payment captured');
      return { ok: true, value: paymentOutcome(changed, payment) };
    },

    async voidPayment({ orderId, reason }) {
      const alog = activityLogger(log, { orderId, reason });
      // No payment yet: a tombstone, so that an authorisation still being made is voided once recorded.
      const row = (await findPayment(db, orderId)) ?? (await recordVoidRequest(db, orderId, reason));
      if (!row) {
        alog.info('no payment to void; an authorisation recorded later will be voided');
        return { changed: false, status: 'NONE' };
      }
      if (row.status === 'DECLINED' || row.status === 'VOIDED' || row.status === 'REFUNDED') return paymentOutcome(false, row);
      if (row.status === 'CAPTURED' || row.status === 'PARTIALLY_REFUNDED') {
        // Captured already (a cancel that came after the capture): a void can no longer release
        // the money, so what is left of the capture is refunded instead, and the customer still
        // gets it back. Refund ID `void`: once, however often the void is retried.
        const outcome = await refund(row, 'void', row.captured_cents - row.refunded_cents);
        alog.info(outcome, 'payment refunded in place of a void: it was captured');
        return outcome;
      }
      const outcome = await voidAuthorised(row);
      alog.info(outcome, 'payment voided');
      return outcome;
    },

    async refundPayment({ orderId, refundId, amountCents, reason }) {
      const alog = activityLogger(log, { orderId, refundId, reason });
      const row = authorised(await findPayment(db, orderId), orderId, 'refund');
      // The refund's key is its ID's: once recorded, a replay answers the state without asking again.
      if (await isOperationRecorded(db, paymentIdempotencyKey(orderId, { refund: refundId }))) return paymentOutcome(false, row);
      const left = row.captured_cents - row.refunded_cents;
      if (amountCents <= 0 || amountCents > left) {
        throw new DomainError(INVALID_DATA, `A refund of ${amountCents} for order ${orderId}, with ${left} of its capture left to refund`, { orderId, status: row.status });
      }
      const outcome = await refund(row, refundId, amountCents);
      alog.info({ ...outcome, amountCents }, 'payment refunded');
      return outcome;
    },
  };
}
