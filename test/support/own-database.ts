import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { dropDatabase, setupDatabase } from '../../cli/database-setup.js';

/**
 * A database of one suite's own, set up as the run's is (schemas, roles, migrations), for a suite
 * that reads what is global to a database (the order timeline's outbox): no other suite's rows reach it.
 */
export async function ownDatabase(name: string): Promise<{ databaseUrl: string; drop: () => Promise<void> }> {
  const adminUrl = inject('adminUrl');
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/orderflow_test_${name}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = url.toString();
  await setupDatabase({ adminUrl, databaseUrl, env: {} });
  return { databaseUrl, drop: () => dropDatabase(adminUrl, databaseUrl) };
}
