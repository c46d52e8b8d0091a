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

/** A pg pool that survives broken connections (see below). */
export function createPool({ url, poolMax = 10, applicationName }: Omit<DatabaseOptions, 'schema'>): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A client that loses its connection (database restart, network cut) emits 'error': an idle
  // one on the pool, a checked-out one on itself. Unheard, either crashes the process. The
  // query in flight rejects on its own (the activity fails and Temporal retries it), and the
  // pool replaces the broken client on the next checkout.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

export function createDatabase<DB>({ schema, ...options }: DatabaseOptions): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: createPool(options) }) }).withSchema(schema);
}
