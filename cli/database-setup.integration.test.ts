import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ROOT } from '../dev/stack.js';
import { dropDatabase, MIGRATIONS } from './database-setup.js';
import { SCHEMAS } from '../common/config.js';

// `npm run migrate` as a deployment runs it: from two machines at once, then again.
const run = promisify(execFile);
const adminUrl = inject('adminUrl');
const target = new URL(inject('databaseUrl'));
target.pathname = `/orderflow_test_migrate_${randomBytes(4).toString('hex')}`;

const migrate = () =>
  run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'migrate.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: target.toString(), DATABASE_ADMIN_URL: adminUrl },
    timeout: 60_000,
  });

afterAll(async () => {
  await dropDatabase(adminUrl, target.toString());
});

describe('npm run migrate', () => {
  it('run twice at once, leaves one consistent schema; run again, changes nothing', async () => {
    const [first, second] = await Promise.all([migrate(), migrate()]);
    // Exactly one of the two applied each migration; the other found it done.
    const appliedBy = (output: string) => output.split('\n').filter((line) => line.includes('applied')).join('\n');
    const applied = `${appliedBy(first.stdout)}\n${appliedBy(second.stdout)}`;
    for (const [owner, migrations] of Object.entries(MIGRATIONS)) {
      for (const name of Object.keys(migrations)) expect({ owner, name, times: applied.split(name).length - 1 }).toEqual({ owner, name, times: 1 });
    }

    const adminOnTarget = new URL(adminUrl);
    adminOnTarget.pathname = target.pathname;
    const admin = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: adminOnTarget.toString(), max: 1 }) }) });
    try {
      for (const [owner, schema] of Object.entries(SCHEMAS)) {
        const rows = await sql<{ name: string }>`SELECT name FROM ${sql.table(`${schema}.kysely_migration`)} ORDER BY name`.execute(admin);
        expect({ owner, migrations: rows.rows.map((row) => row.name) }).toEqual({ owner, migrations: Object.keys(MIGRATIONS[owner as keyof typeof MIGRATIONS]).sort() });
      }
    } finally {
      await admin.destroy();
    }

    const again = await migrate();
    expect(again.stdout).not.toContain('applied');
    expect(again.stdout.match(/up to date/g)).toHaveLength(Object.keys(SCHEMAS).length);
  });

  it('wants the admin connection named in production mode', async () => {
    const refused = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli', 'migrate.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ORDERFLOW_ENV: 'production', DATABASE_URL: target.toString() },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/DATABASE_ADMIN_URL: required in production/) });
  });
});
