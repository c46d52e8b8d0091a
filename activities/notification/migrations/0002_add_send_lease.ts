import { sql, type Kysely } from 'kysely';

// A send in progress holds a lease, so that two overlapping attempts (a retry racing a zombie
// attempt) never both hand the same email to SMTP.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notification.notifications ADD COLUMN sending_until timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE notification.notifications DROP COLUMN sending_until`.execute(db);
}
