import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

// BIGINT (int8) and NUMERIC arrive as strings by default; our counters and money fit in
// JavaScript numbers, so parse int8 as a number rather than sprinkle conversions around.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export interface DatabaseOptions {
  url: string;
  /** The schema every query is scoped to: a service only ever sees its own. */
  schema: string;
  poolMax?: number;
  applicationName?: string;
}

export function createDatabase<DB>({ url, schema, poolMax = 10, applicationName }: DatabaseOptions): Kysely<DB> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its connection (database restart) emits 'error' on the pool;
  // without a listener that would crash the process. The next query simply reconnects.
  pool.on('error', () => {});
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }).withSchema(schema);
}
