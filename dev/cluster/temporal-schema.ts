import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { TEMPORAL_SCHEMAS, TEMPORAL_SQL_PLUGIN } from '../temporal-versions.js';

const run = promisify(execFile);

export interface TemporalDatabases {
  persistence: string;
  visibility: string;
}

/** Database names for a prefix: `temporal` gives temporal and temporal_visibility, as Temporal's own defaults. */
export const temporalDatabases = (prefix: string): TemporalDatabases => ({ persistence: prefix, visibility: `${prefix}_visibility` });

/** The role the Temporal server logs in with: it owns Temporal's databases and nothing of the app's. */
export const TEMPORAL_ROLE = 'orderflow_temporal';

/**
 * Temporal's databases with the official schema tool and the schema files embedded in it: create
 * the database, set up the versioning tables on first run, then apply every versioned schema
 * update (a no-op when current). Safe to run again.
 */
export async function setupTemporalSchemas({ sqlTool, adminUrl, databases, log }: { sqlTool: string; adminUrl: string; databases: TemporalDatabases; log: (line: string) => void }): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DO $$ BEGIN CREATE ROLE ${TEMPORAL_ROLE} LOGIN CREATEDB; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
  } finally {
    await admin.end();
  }
  const { hostname, port } = new URL(adminUrl);
  const connection = ['--plugin', TEMPORAL_SQL_PLUGIN, '--ep', hostname || '127.0.0.1', '-p', port || '5432', '-u', TEMPORAL_ROLE];
  for (const [kind, { schemaName }] of Object.entries(TEMPORAL_SCHEMAS) as Array<[keyof TemporalDatabases, (typeof TEMPORAL_SCHEMAS)[keyof TemporalDatabases]]>) {
    const database = databases[kind];
    const tool = async (...args: string[]) => {
      try {
        return (await run(sqlTool, [...connection, '--db', database, ...args])).stderr;
      } catch (error) {
        throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`);
      }
    };
    if (!(await exists(adminUrl, database))) {
      log(`creating Temporal's ${kind} database ${database} (schema tool)`);
      await tool('create-database');
    }
    if (!(await isVersioned(adminUrl, database))) await tool('setup-schema', '-v', '0.0');
    await tool('update-schema', '-s', schemaName);
  }
}

async function withDatabase<T>(adminUrl: string, database: string | undefined, query: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(adminUrl);
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await query(client);
  } finally {
    await client.end();
  }
}

const exists = (adminUrl: string, database: string) =>
  withDatabase(adminUrl, undefined, async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);

const isVersioned = (adminUrl: string, database: string) =>
  withDatabase(adminUrl, database, async (client) => (await client.query("SELECT to_regclass('public.schema_version') IS NOT NULL AS versioned")).rows[0].versioned as boolean);

/** Drops Temporal's databases (tests). */
export async function dropTemporalDatabases(adminUrl: string, databases: TemporalDatabases): Promise<void> {
  await withDatabase(adminUrl, undefined, async (client) => {
    for (const database of Object.values(databases)) await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });
}
