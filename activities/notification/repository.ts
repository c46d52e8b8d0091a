import { sql } from 'kysely';
import type { EmailKind, NotificationView } from './contract.js';
import type { NotificationDb } from './schema.js';

/** Which email: one per (order, kind, reference), reference '' for the order's own. */
export interface NotificationKey {
  orderId: string;
  kind: EmailKind;
  reference: string;
}

type Intent = NotificationKey & { recipient: string; subject: string; messageId: string };

const keyColumns = (key: NotificationKey) => ({ order_id: key.orderId, kind: key.kind, reference: key.reference });

/** Records the intent to send; returns the stored row, which may be an earlier attempt's. */
export async function recordNotification(db: NotificationDb, input: Intent) {
  await db
    .insertInto('notifications')
    .values({ ...keyColumns(input), recipient: input.recipient, subject: input.subject, message_id: input.messageId, status: 'PENDING', last_error: null, sent_at: null, sending_until: null })
    .onConflict((oc) => oc.columns(['order_id', 'kind', 'reference']).doNothing())
    .execute();
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('order_id', '=', input.orderId)
    .where('kind', '=', input.kind)
    .where('reference', '=', input.reference)
    .executeTakeFirstOrThrow();
}

/**
 * The first attempt's fast path, one statement: records the intent to send with this attempt's
 * send lease already taken. Undefined when the row exists (a retry, or an overlapping attempt):
 * then recordNotification and claimSend decide.
 */
export async function recordClaimed(db: NotificationDb, input: Intent, leaseMs: number) {
  return db
    .insertInto('notifications')
    .values({
      ...keyColumns(input),
      recipient: input.recipient,
      subject: input.subject,
      message_id: input.messageId,
      status: 'PENDING',
      last_error: null,
      sent_at: null,
      sending_until: sql`now() + ${leaseMs} * interval '1 millisecond'`,
    })
    .onConflict((oc) => oc.columns(['order_id', 'kind', 'reference']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Takes the right to send for `leaseMs`: true for exactly one of any number of overlapping
 * attempts, false while another attempt's lease runs or once the email is SENT.
 */
export async function claimSend(db: NotificationDb, key: NotificationKey, leaseMs: number): Promise<boolean> {
  const claimed = await db
    .updateTable('notifications')
    .set({ sending_until: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where('order_id', '=', key.orderId)
    .where('kind', '=', key.kind)
    .where('reference', '=', key.reference)
    .where('status', '=', 'PENDING')
    .where((eb) => eb.or([eb('sending_until', 'is', null), eb('sending_until', '<', sql<Date>`now()`)]))
    .executeTakeFirst();
  return claimed.numUpdatedRows === 1n;
}

export async function markSent(db: NotificationDb, key: NotificationKey) {
  await db
    .updateTable('notifications')
    .set({ status: 'SENT', sent_at: sql`now()`, attempts: sql`attempts + 1`, last_error: null, sending_until: null })
    .where('order_id', '=', key.orderId)
    .where('kind', '=', key.kind)
    .where('reference', '=', key.reference)
    .execute();
}

export async function markFailedAttempt(db: NotificationDb, key: NotificationKey, error: string) {
  await db
    .updateTable('notifications')
    .set({ attempts: sql`attempts + 1`, last_error: error.slice(0, 1000), sending_until: null })
    .where('order_id', '=', key.orderId)
    .where('kind', '=', key.kind)
    .where('reference', '=', key.reference)
    .where('status', '=', 'PENDING')
    .execute();
}

export async function listNotifications(db: NotificationDb, orderId: string): Promise<NotificationView[]> {
  const rows = await db.selectFrom('notifications').selectAll().where('order_id', '=', orderId).orderBy('created_at').orderBy('kind').orderBy('reference').execute();
  return rows.map((row) => ({
    kind: row.kind,
    reference: row.reference === '' ? null : row.reference,
    to: row.recipient,
    status: row.status,
    messageId: row.message_id,
    sentAt: row.sent_at?.toISOString() ?? null,
  }));
}
