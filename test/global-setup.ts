import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { dropDatabase, setupDatabase } from '../cli/database-setup.js';
import { findTemporalBinary } from '../dev/temporal-binary.js';
import { generateDevSecrets, type DevSecrets } from '../dev/secrets.js';
import { ROOT } from '../dev/stack.js';
import { buildWorkflowBundle } from '../workers/workflow-bundle.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    adminUrl: string;
    temporalBinary: string;
    workflowBundlePath: string;
    /** Secrets generated for this run: nothing secret is committed, not even for tests. */
    secrets: DevSecrets;
  }
}

/** A fresh database per run (dropped after), the Temporal binary, and one workflow bundle for all suites. */
export default async function setup(project: TestProject) {
  const temporalBinary = findTemporalBinary();
  if (!temporalBinary) throw new Error('No Temporal CLI found: run the tests with `npm test`, which builds it first.');
  const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/');
  base.pathname = `/orderflow_test_${project.name}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = base.toString();

  await setupDatabase({ adminUrl, databaseUrl });
  const workflowBundlePath = await buildWorkflowBundle(path.join(ROOT, '.data', 'test', `workflow-bundle-${project.name}.js`));

  project.provide('databaseUrl', databaseUrl);
  project.provide('adminUrl', adminUrl);
  project.provide('temporalBinary', temporalBinary);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('secrets', generateDevSecrets());

  return async () => {
    await dropDatabase(adminUrl, databaseUrl);
  };
}
