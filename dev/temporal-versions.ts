/**
 * One Temporal version everywhere: the embedded dev server, cluster mode, docker-compose and the
 * Kubernetes manifests all run server 1.29.1, the server inside Temporal CLI 1.5.1 (later CLI
 * tags carry a `replace` directive that `go install` refuses, so the CLI pins the rest).
 * The Web UI server is the one the same CLI embeds. deploy/deploy.test.ts holds the
 * deployment files to these numbers.
 */
export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_VERSION = '2.42.1';

/** The schema tool's plugin and the schema folders embedded in it, for PostgreSQL 12 and later. */
export const TEMPORAL_SQL_PLUGIN = 'postgres12';
export const TEMPORAL_SCHEMAS = {
  persistence: { database: 'temporal', schemaDir: 'postgresql/v12/temporal' },
  visibility: { database: 'temporal_visibility', schemaDir: 'postgresql/v12/visibility' },
} as const;
