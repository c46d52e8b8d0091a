import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import pg from 'pg';
import { inventoryMigrations } from '../activities/inventory/migrations/index.js';
import { notificationMigrations } from '../activities/notification/migrations/index.js';
import { orderMigrations } from '../activities/order/migrations/index.js';
import { paymentMigrations } from '../activities/payment/migrations/index.js';
import { productMigrations } from '../activities/product/migrations/index.js';
import { apiMigrations } from '../api/migrations/index.js';
import { databaseRole, SCHEMAS, SERVICES, serviceDatabaseUrl, type SchemaOwner } from '../common/config.js';
import { createDatabase } from '../common/database.js';
import { migrateSchema } from './migrations.js';

export const MIGRATIONS: Record<SchemaOwner, Record<string, Migration>> = {
  product: productMigrations,
  inventory: inventoryMigrations,
  order: orderMigrations,
  notification: notificationMigrations,
  payment: paymentMigrations,
  api: apiMigrations,
};

const OWNERS = [...SERVICES, 'api'] as const satisfies readonly SchemaOwner[];
/** Only the services' schemas are read by others (the API's reads); the API's own is private. */
const accessesOf = (owner: SchemaOwner) => (owner === 'api' ? (['owner'] as const) : (['owner', 'reader'] as const));

const adminDb = (url: string) => new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) });

const ident = (name: string) => sql.id(name);
const databaseName = (databaseUrl: string) => decodeURIComponent(new URL(databaseUrl).pathname.slice(1));

/** Roles are cluster-wide and two set-ups may race to create them: tolerate "already exists". */
async function ensureRole(db: Kysely<unknown>, role: string, password: string | undefined) {
  await sql`
    DO $$ BEGIN
      CREATE ROLE ${ident(role)} LOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`.execute(db);
  if (password) await sql`ALTER ROLE ${ident(role)} PASSWORD ${sql.lit(password)}`.execute(db);
}

export interface SetupOptions {
  /** A superuser (or CREATEDB + CREATEROLE) connection to any database of the cluster. */
  adminUrl: string;
  /** The application database: host, port and database name. */
  databaseUrl: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Creates the database, and for each service its schema, an owner role that can touch only
 * that schema and a reader role with SELECT on it; then runs each service's migrations as
 * its owner. Safe to run again: it only adds what is missing.
 */
export async function setupDatabase({ adminUrl, databaseUrl, env = process.env }: SetupOptions): Promise<Record<SchemaOwner, string[]>> {
  const name = databaseName(databaseUrl);
  const cluster = adminDb(adminUrl);
  try {
    // Two set-ups of one database at once (two machines running `migrate`, parallel test
    // projects) take turns: CREATE DATABASE and CREATE SCHEMA race, the checks before them do not help.
    await sql`SELECT pg_advisory_lock(hashtext(${`orderflow-setup:${name}`}))`.execute(cluster);
    const exists = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`.execute(cluster);
    if (exists.rows.length === 0) await sql`CREATE DATABASE ${ident(name)}`.execute(cluster);
    for (const owner of OWNERS) {
      for (const access of accessesOf(owner)) {
        const password = new URL(serviceDatabaseUrl(owner, access, databaseUrl, env)).password || undefined;
        await ensureRole(cluster, databaseRole(owner, access), password && decodeURIComponent(password));
      }
    }
    return await setUpSchemas(adminUrl, databaseUrl, name, env);
  } finally {
    // Closing the session releases the lock.
    await cluster.destroy();
  }
}

/** Schemas, roles' grants, then each schema's migrations as its owner; returns the migrations applied now. */
async function setUpSchemas(adminUrl: string, databaseUrl: string, name: string, env: NodeJS.ProcessEnv): Promise<Record<SchemaOwner, string[]>> {
  const adminOnTarget = new URL(adminUrl);
  adminOnTarget.pathname = `/${name}`;
  const target = adminDb(adminOnTarget.toString());
  try {
    await sql`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`.execute(target);
    await sql`REVOKE ALL ON SCHEMA public FROM PUBLIC`.execute(target);
    for (const schemaOwner of OWNERS) {
      const schema = SCHEMAS[schemaOwner];
      const owner = databaseRole(schemaOwner, 'owner');
      await sql`GRANT CONNECT ON DATABASE ${ident(name)} TO ${ident(owner)}`.execute(target);
      await sql`CREATE SCHEMA IF NOT EXISTS ${ident(schema)} AUTHORIZATION ${ident(owner)}`.execute(target);
      await sql`REVOKE ALL ON SCHEMA ${ident(schema)} FROM PUBLIC`.execute(target);
      if (schemaOwner === 'api') continue;
      const reader = databaseRole(schemaOwner, 'reader');
      await sql`GRANT CONNECT ON DATABASE ${ident(name)} TO ${ident(reader)}`.execute(target);
      await sql`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(reader)}`.execute(target);
      await sql`ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(owner)} IN SCHEMA ${ident(schema)} GRANT SELECT ON TABLES TO ${ident(reader)}`.execute(target);
      await sql`GRANT SELECT ON ALL TABLES IN SCHEMA ${ident(schema)} TO ${ident(reader)}`.execute(target);
    }
  } finally {
    await target.destroy();
  }

  const applied = {} as Record<SchemaOwner, string[]>;
  for (const owner of OWNERS) {
    const db = createDatabase({ url: serviceDatabaseUrl(owner, 'owner', databaseUrl, env), schema: SCHEMAS[owner], poolMax: 1 });
    try {
      applied[owner] = await migrateSchema(db, SCHEMAS[owner], MIGRATIONS[owner]);
    } finally {
      await db.destroy();
    }
  }
  return applied;
}

/** Drops a database made for a test run (terminating its connections). */
export async function dropDatabase(adminUrl: string, databaseUrl: string): Promise<void> {
  const cluster = adminDb(adminUrl);
  try {
    await sql`DROP DATABASE IF EXISTS ${ident(databaseName(databaseUrl))} WITH (FORCE)`.execute(cluster);
  } finally {
    await cluster.destroy();
  }
}
