import { sql, type Kysely } from 'kysely';

// The table rate-limiter-flexible's PostgreSQL store expects (see its RateLimiterPostgres):
// one row per limited key, with the points used in the current window and when it ends (ms).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE api.rate_limits (
      key     varchar(255) PRIMARY KEY,
      points  integer NOT NULL DEFAULT 0,
      expire  bigint
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE api.rate_limits`.execute(db);
}
