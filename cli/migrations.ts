import type { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

/**
 * Brings one service's schema up to date. Each schema keeps its own migration table, and
 * migrations are plain objects listed in code (frozen: they never import app code).
 */
export async function migrateSchema(db: Kysely<unknown>, schema: string, migrations: Record<string, Migration>) {
  const migrator = new Migrator({
    db: db.withoutPlugins(),
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration of schema "${schema}" failed at ${failed?.migrationName ?? '?'}: ${cause}`);
  }
  return results?.map((result) => result.migrationName) ?? [];
}
