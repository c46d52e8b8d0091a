/**
 * One Temporal version everywhere: the embedded dev server, cluster mode, docker-compose and the
 * Kubernetes manifests all run server 1.29.1, the server inside Temporal CLI 1.5.1 (later CLI
 * tags carry a `replace` directive that `go install` refuses, so the CLI pins the rest).
 * The Web UI server is the one the same CLI embeds. deploy/deploy.integration.test.ts holds the
 * deployment files to these numbers.
 */
export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_VERSION = '2.42.1';

/**
 * The schema tool's plugin and versioned schemas, for PostgreSQL 12 and later: embedded in the tool
 * under these names (`update-schema -s`), and in the admin-tools image under
 * /etc/temporal/schema/<name>/versioned (`update-schema -d`).
 */
export const TEMPORAL_SQL_PLUGIN = 'postgres12';
export const TEMPORAL_SCHEMAS = {
  persistence: { database: 'temporal', schemaName: 'postgresql/v12/temporal' },
  visibility: { database: 'temporal_visibility', schemaName: 'postgresql/v12/visibility' },
} as const;
