import { sql, type Kysely } from 'kysely';

// The Message-ID is made from the key (order, kind, reference), so the key keeps it unique. A
// unique index of its own made racing attempts of one email fail on it (a spurious failed
// attempt) instead of meeting the key's ON CONFLICT DO NOTHING, since the key's index was rebuilt
// after it (0003) and is checked last.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notification.notifications DROP CONSTRAINT notifications_message_id_key`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notification.notifications ADD CONSTRAINT notifications_message_id_key UNIQUE (message_id)`.execute(db);
}
