import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataErrorCode, isDatabaseUnavailable } from './database-errors.js';

// Real errors from the real PostgreSQL: a role limited to one connection, asked for a second.
const ROLE = `orderflow_test_limited_${process.pid}`;
const admin = new pg.Client({ connectionString: inject('adminUrl') });

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN CONNECTION LIMIT 1`);
});

afterAll(async () => {
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.end();
});

const connectAs = (user: string) => {
  const url = new URL(inject('adminUrl'));
  url.username = user;
  return new pg.Client({ connectionString: url.toString() });
};

describe('PostgreSQL errors', () => {
  it('"too many connections" is the database unavailable (retry later), not a data error', async () => {
    const first = connectAs(ROLE);
    await first.connect();
    const second = connectAs(ROLE);
    const error = await second.connect().then(
      () => undefined,
      (refused: unknown) => refused,
    );
    await first.end();
    expect((error as { code?: string }).code).toBe('53300');
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: error }))).toBe(true);
    expect(dataErrorCode(error)).toBeUndefined();
  });

  it('bad data is a data error, not an outage', async () => {
    const error = await admin.query("SELECT 'not-a-uuid'::uuid").then(
      () => undefined,
      (refused: unknown) => refused,
    );
    expect(dataErrorCode(error)).toBe('22P02');
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
