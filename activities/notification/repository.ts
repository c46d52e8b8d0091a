import { sql } from 'kysely';
import type { EmailKind, NotificationView } from './contract.js';
import type { NotificationDb } from './schema.js';

/** Records the intent to send; returns the stored row, which may be an earlier attempt's. */
export async function recordNotification(
  db: NotificationDb,
  input: { orderId: string; kind: EmailKind; recipient: string; subject: string; messageId: string },
) {
  await db
    .insertInto('notifications')
    .values({ order_id: input.orderId, kind: input.kind, recipient: input.recipient, subject: input.subject, message_id: input.messageId, status: 'PENDING', last_error: null, sent_at: null, sending_until: null })
    .onConflict((oc) => oc.columns(['order_id', 'kind']).doNothing())
    .execute();
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('order_id', '=', input.orderId)
    .where('kind', '=', input.kind)
    .executeTakeFirstOrThrow();
}

/**
 * The first attempt's fast path, one statement: records the intent to send with this attempt's
 * send lease already taken. Undefined when the row exists (a retry, or an overlapping attempt):
 * then recordNotification and claimSend decide.
 */
export async function recordClaimed(
  db: NotificationDb,
  input: { orderId: string; kind: EmailKind; recipient: string; subject: string; messageId: string },
  leaseMs: number,
) {
  return db
    .insertInto('notifications')
    .values({
      order_id: input.orderId,
      kind: input.kind,
      recipient: input.recipient,
      subject: input.subject,
      message_id: input.messageId,
      status: 'PENDING',
      last_error: null,
      sent_at: null,
      sending_until: sql`now() + ${leaseMs} * interval '1 millisecond'`,
    })
    .onConflict((oc) => oc.columns(['order_id', 'kind']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Takes the right to send for `leaseMs`: true for exactly one of any number of overlapping
 * attempts, false while another attempt's lease runs or once the email is SENT.
 */
export async function claimSend(db: NotificationDb, orderId: string, kind: EmailKind, leaseMs: number): Promise<boolean> {
  const claimed = await db
    .updateTable('notifications')
    .set({ sending_until: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where('order_id', '=', orderId)
    .where('kind', '=', kind)
    .where('status', '=', 'PENDING')
    .where((eb) => eb.or([eb('sending_until', 'is', null), eb('sending_until', '<', sql<Date>`now()`)]))
    .executeTakeFirst();
  return claimed.numUpdatedRows === 1n;
}

export async function markSent(db: NotificationDb, orderId: string, kind: EmailKind) {
  await db
    .updateTable('notifications')
    .set({ status: 'SENT', sent_at: sql`now()`, attempts: sql`attempts + 1`, last_error: null, sending_until: null })
    .where('order_id', '=', orderId)
    .where('kind', '=', kind)
    .execute();
}

export async function markFailedAttempt(db: NotificationDb, orderId: string, kind: EmailKind, error: string) {
  await db
    .updateTable('notifications')
    .set({ attempts: sql`attempts + 1`, last_error: error.slice(0, 1000), sending_until: null })
    .where('order_id', '=', orderId)
    .where('kind', '=', kind)
    .where('status', '=', 'PENDING')
    .execute();
}

export async function listNotifications(db: NotificationDb, orderId: string): Promise<NotificationView[]> {
  const rows = await db.selectFrom('notifications').selectAll().where('order_id', '=', orderId).orderBy('created_at').execute();
  return rows.map((row) => ({
    kind: row.kind,
    to: row.recipient,
    status: row.status,
    messageId: row.message_id,
    sentAt: row.sent_at?.toISOString() ?? null,
  }));
}
