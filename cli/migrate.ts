import { ConfigError, databaseEnv, migrateEnv, parseConfig } from '../common/config.js';
import { setupDatabase } from './database-setup.js';
import { parseMode } from '../common/environment.js';
import { runMain } from '../common/main.js';

const DEVELOPMENT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * `npm run migrate`: the database, every service's schema, owner and reader roles and grants,
 * then each schema's migrations as its owner. The deployment step before new code starts (the
 * services never migrate on start); safe to run again, and from two machines at once.
 */
runMain(async () => {
  const { database, migrate } = parseConfig({ database: databaseEnv, migrate: migrateEnv });
  const { DATABASE_URL } = database;
  const adminUrl = migrate.DATABASE_ADMIN_URL ?? (parseMode() === 'development' ? DEVELOPMENT_ADMIN_URL : undefined);
  if (!adminUrl) throw new ConfigError('Invalid configuration:\n  DATABASE_ADMIN_URL: required in production: a role that may create databases and roles (CREATEDB, CREATEROLE)');
  const started = Date.now();
  const applied = await setupDatabase({ adminUrl, databaseUrl: DATABASE_URL });
  for (const [schema, migrations] of Object.entries(applied)) {
    process.stdout.write(`${schema.padEnd(13)} ${migrations.length > 0 ? `applied ${migrations.join(', ')}` : 'up to date'}\n`);
  }
  process.stdout.write(`migrated ${new URL(DATABASE_URL).pathname.slice(1)} in ${Date.now() - started} ms\n`);
});
