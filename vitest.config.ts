import { defineConfig } from 'vitest/config';

// Temporal's native bridge does not belong in worker threads: every project runs in forked
// processes. Each project with a global setup makes its own throwaway database.
const CODE = '{activities,api,common,workflows,workers,dev,cli,ops,deploy,bench}';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          // No PostgreSQL, no Temporal server, no network: contracts and rules, the HTTP app
          // through app.request(), the saga with mocked activities, the replay gate.
          name: 'fast',
          sequence: { groupOrder: 0 },
          include: [`${CODE}/**/*.test.ts`],
          exclude: ['**/*.integration.test.ts', 'node_modules/**'],
          pool: 'forks',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          // Repositories and activities on real PostgreSQL, workflows on a real Temporal, SMTP.
          name: 'integration',
          sequence: { groupOrder: 0 },
          include: [`${CODE}/**/*.integration.test.ts`],
          pool: 'forks',
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          sequence: { groupOrder: 0 },
          include: ['test/e2e/**/*.e2e.test.ts'],
          pool: 'forks',
          // Each suite runs its own stack of processes; on two cores they take turns.
          fileParallelism: false,
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'browser',
          // In a group of its own, so alone: a browser and a second stack of processes would share two cores.
          sequence: { groupOrder: 1 },
          include: ['test/browser/**/*.browser.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'cluster',
          // In a group of its own, so alone: two Temporal nodes, HAProxy and a stack of eight workers share two cores.
          sequence: { groupOrder: 2 },
          include: ['test/cluster/**/*.cluster.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
