import { sql, type Kysely, type Selectable } from 'kysely';
import type { Authorisation, PaymentProviderName, PaymentStatus, PaymentView } from './contract.js';
import type { OperationKind, OperationOutcome, PaymentDatabase, PaymentDb, PaymentTable } from './schema.js';

export type PaymentRow = Selectable<PaymentTable>;

/** A step the provider answered, as payment_operations keeps it. */
interface Operation {
  kind: OperationKind;
  idempotencyKey: string;
  providerReference: string | null;
  amountCents: number | null;
  outcome: OperationOutcome;
}

/** What a recording did: `changed` for the one attempt that recorded it, and the row as it stands either way. */
export interface Recorded {
  changed: boolean;
  payment: PaymentRow;
}

/**
 * Takes turns, within a transaction, between an order's authorisation being recorded and a void
 * that finds no payment: one of them always sees the other's row.
 */
const lockOrder = (trx: PaymentDb, orderId: string) => sql`SELECT pg_advisory_xact_lock(hashtext(${`payment:${orderId}`}))`.execute(trx);

/** Whether a void came for this order before there was a payment to void. */
export async function isVoidRequested(db: PaymentDb, orderId: string): Promise<boolean> {
  return (await db.selectFrom('voids_before_authorisation').select('order_id').where('order_id', '=', orderId).executeTakeFirst()) !== undefined;
}

/**
 * A void of an order with no payment: leaves a tombstone (undefined returned), so that an
 * authorisation recorded later is voided at once. Returns the payment if there is one by now.
 */
export async function recordVoidRequest(db: Kysely<PaymentDatabase>, orderId: string, reason: string): Promise<PaymentRow | undefined> {
  return db.transaction().execute(async (trx) => {
    await lockOrder(trx, orderId);
    const payment = await findPayment(trx, orderId);
    if (!payment) await trx.insertInto('voids_before_authorisation').values({ order_id: orderId, reason }).onConflict((oc) => oc.column('order_id').doNothing()).execute();
    return payment;
  });
}

export async function findPayment(db: PaymentDb, orderId: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('order_id', '=', orderId).executeTakeFirst();
}

/** Whether the step with this idempotency key has been recorded (a refund is known by its key alone). */
export async function isOperationRecorded(db: PaymentDb, idempotencyKey: string): Promise<boolean> {
  return (await db.selectFrom('payment_operations').select('id').where('idempotency_key', '=', idempotencyKey).executeTakeFirst()) !== undefined;
}

async function insertOperation(db: PaymentDb, orderId: string, operation: Operation) {
  return db
    .insertInto('payment_operations')
    .values({
      order_id: orderId,
      kind: operation.kind,
      idempotency_key: operation.idempotencyKey,
      provider_reference: operation.providerReference,
      amount_cents: operation.amountCents,
      outcome: operation.outcome,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
}

interface NewPayment {
  orderId: string;
  provider: PaymentProviderName;
  method: string;
  amountCents: number;
  currency: string;
  idempotencyKey: string;
}

/**
 * Records the provider's answer to an authorisation, once per order: the first of any number of
 * overlapping attempts inserts the row, the others find it (ON CONFLICT) and answer what it holds.
 */
async function insertPayment(
  db: Kysely<PaymentDatabase>,
  payment: NewPayment,
  values: Pick<PaymentTable, 'status' | 'authorisation_id' | 'decline_code' | 'expires_at'>,
  operation: Omit<Operation, 'kind' | 'idempotencyKey' | 'amountCents'>,
): Promise<Recorded & { voidRequested: boolean }> {
  return db.transaction().execute(async (trx) => {
    await lockOrder(trx, payment.orderId);
    const voidRequested = await isVoidRequested(trx, payment.orderId);
    const inserted = await trx
      .insertInto('payments')
      .values({
        order_id: payment.orderId,
        provider: payment.provider,
        method: payment.method,
        amount_cents: payment.amountCents,
        currency: payment.currency,
        authorised_at: values.status === 'AUTHORISED' ? sql<Date>`now()` : null,
        ...values,
      })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) return { changed: false, payment: await lockedPayment(trx, payment.orderId), voidRequested };
    await insertOperation(trx, payment.orderId, { kind: 'authorise', idempotencyKey: payment.idempotencyKey, amountCents: payment.amountCents, ...operation });
    return { changed: true, payment: inserted, voidRequested };
  });
}

export const recordAuthorisation = (db: Kysely<PaymentDatabase>, payment: NewPayment, authorisation: Authorisation) =>
  insertPayment(
    db,
    payment,
    { status: 'AUTHORISED', authorisation_id: authorisation.authorisationId, decline_code: null, expires_at: new Date(authorisation.expiresAt) },
    { providerReference: authorisation.authorisationId, outcome: 'SUCCEEDED' },
  );

export const recordDecline = (db: Kysely<PaymentDatabase>, payment: NewPayment, declineCode: string) =>
  insertPayment(db, payment, { status: 'DECLINED', authorisation_id: null, decline_code: declineCode, expires_at: null }, { providerReference: null, outcome: 'DECLINED' });

/** The row as it stands, waiting for any transaction writing it (a racing attempt) to end. */
async function lockedPayment(trx: PaymentDb, orderId: string): Promise<PaymentRow> {
  return trx.selectFrom('payments').selectAll().where('order_id', '=', orderId).forUpdate().executeTakeFirstOrThrow();
}

/**
 * Moves an authorised payment on, in one guarded UPDATE: only from AUTHORISED, so of two
 * overlapping attempts one changes it and the other reports the state it found.
 */
async function fromAuthorised(db: Kysely<PaymentDatabase>, orderId: string, to: { status: PaymentStatus; captured_cents?: number }, operation: Operation): Promise<Recorded> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('payments')
      .set({ ...to, updated_at: sql`now()` })
      .where('order_id', '=', orderId)
      .where('status', '=', 'AUTHORISED')
      .returningAll()
      .executeTakeFirst();
    if (!updated) return { changed: false, payment: await lockedPayment(trx, orderId) };
    await insertOperation(trx, orderId, operation);
    return { changed: true, payment: updated };
  });
}

export const recordCapture = (db: Kysely<PaymentDatabase>, orderId: string, { amountCents, captureId, idempotencyKey }: { amountCents: number; captureId: string; idempotencyKey: string }) =>
  fromAuthorised(db, orderId, { status: 'CAPTURED', captured_cents: amountCents }, { kind: 'capture', idempotencyKey, providerReference: captureId, amountCents, outcome: 'SUCCEEDED' });

export const recordVoid = (db: Kysely<PaymentDatabase>, orderId: string, { amountCents, idempotencyKey }: { amountCents: number; idempotencyKey: string }) =>
  fromAuthorised(db, orderId, { status: 'VOIDED' }, { kind: 'void', idempotencyKey, providerReference: null, amountCents, outcome: 'SUCCEEDED' });

/** A capture the provider refused because the authorisation had expired: the payment stays AUTHORISED, the answer is kept. */
export async function recordExpiredCapture(db: PaymentDb, orderId: string, { amountCents, idempotencyKey }: { amountCents: number; idempotencyKey: string }): Promise<void> {
  await insertOperation(db, orderId, { kind: 'capture', idempotencyKey, providerReference: null, amountCents, outcome: 'EXPIRED' });
}

/**
 * Adds a refund to the payment once per idempotency key: the key's row in payment_operations
 * is inserted first, and only the attempt that inserted it adds the amount.
 */
export async function recordRefund(db: Kysely<PaymentDatabase>, orderId: string, { amountCents, refundId, idempotencyKey }: { amountCents: number; refundId: string; idempotencyKey: string }): Promise<Recorded> {
  return db.transaction().execute(async (trx) => {
    const inserted = await insertOperation(trx, orderId, { kind: 'refund', idempotencyKey, providerReference: refundId, amountCents, outcome: 'SUCCEEDED' });
    if (!inserted) return { changed: false, payment: await lockedPayment(trx, orderId) };
    const updated = await trx
      .updateTable('payments')
      .set({
        refunded_cents: sql`refunded_cents + ${amountCents}`,
        status: sql`CASE WHEN refunded_cents + ${amountCents} = captured_cents THEN 'REFUNDED' ELSE 'PARTIALLY_REFUNDED' END`,
        updated_at: sql`now()`,
      })
      .where('order_id', '=', orderId)
      .where('status', 'in', ['CAPTURED', 'PARTIALLY_REFUNDED'])
      .where(sql<boolean>`refunded_cents + ${amountCents} <= captured_cents`)
      .returningAll()
      .executeTakeFirst();
    // The provider gave back money the record says was not there to give: keep nothing, fail loudly.
    if (!updated) throw new Error(`Refund ${refundId} of ${amountCents} for order ${orderId} exceeds what the record holds as captured`);
    return { changed: true, payment: updated };
  });
}

export function toView(row: PaymentRow): PaymentView {
  return {
    orderId: row.order_id,
    provider: row.provider,
    status: row.status,
    amountCents: row.amount_cents,
    currency: row.currency,
    capturedCents: row.captured_cents,
    refundedCents: row.refunded_cents,
    declineCode: row.decline_code,
    authorisedAt: row.authorised_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
  };
}
