import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // CommonJS on purpose (the Temporal SDK require()s it): see common/failure-converter.cjs.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // A service's repository, schema and activities are its own: the API reads through the
    // service's read port (reads.ts) and knows its rules from its contract (contract.ts).
    files: ['api/**/*.ts'],
    ignores: ['api/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)activities/(?![^/]+/([\\w-]+\\.)?(contract|reads)\\.js$)', message: 'The API imports a service only through its contracts (contract.ts, <part>.contract.ts) and reads.ts.' },
            { group: ['**/workers/**'], message: 'The API does not import worker code.' },
          ],
        },
      ],
    },
  },
  {
    // The boundary rules see static imports only: the API and the workflows make no other kind.
    files: ['api/**/*.ts', 'workflows/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', { selector: 'ImportExpression', message: 'Import statically, so that the boundary rules can see what is imported.' }] },
  },
  {
    // A service reaches another only through its contract, and never the layers above it.
    files: ['activities/*/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(?!\\.\\.)[^/]+/(?!([\\w-]+\\.)?contract\\.js$)', message: "Another service's files are its own: import its contracts (contract.ts, <part>.contract.ts)." },
            { regex: '(^|/)(api|workers|cli|dev)/', message: 'A service does not import the API, the workers, the CLI or dev code.' },
          ],
        },
      ],
    },
  },
  {
    // common/ is what every layer shares: it imports no layer above it.
    files: ['common/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities/**', '**/api/**', '**/workers/**', '**/workflows/**', '**/cli/**', '**/dev/**'], message: 'common/ imports no service, API, worker, workflow, CLI or dev code.' }] },
      ],
    },
  },
  {
    // Workflow code is replayed and must be deterministic: it may import activity code only as
    // types (proxyActivities), and nothing that does I/O or reads the clock or environment.
    files: ['workflows/**/*.ts', 'bench/twin/five-activity-twin.ts', 'bench/twin/workflows.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows must not use Node built-ins (non-deterministic).' })),
          patterns: [
            { regex: '(^|/)activities/(?![^/]+/([\\w-]+\\.)?contract\\.js$)', message: "Workflows import a service only through its contracts (contract.ts, <part>.contract.ts: pure task queue, activity interface, DTOs, rules)." },
            { group: ['@temporalio/activity', '@temporalio/worker', '@temporalio/client', '@temporalio/testing'], message: 'Not available inside workflows.' },
            { group: ['pg', 'kysely', 'nodemailer', 'pino', 'hono', '../api/*', '../workers/*', '../dev/*'], message: 'Workflows do no I/O: call an activity.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflows must not read the environment: pass it in the input.' },
        { name: 'Buffer', message: 'Node built-in; not available in workflows.' },
        { name: 'fetch', message: 'Workflows do no I/O: call an activity.' },
      ],
    },
  },
);
