#!/bin/sh
# Temporal's schema step, run once before the server starts and again on every upgrade (safe to
# repeat): creates the two databases, then brings each schema to the version the admin-tools
# image (same version as the server) ships. Runs in temporalio/admin-tools; used by
# docker-compose.temporal.yml and the Kubernetes Job deploy/k8s/temporal/schema-job.yaml.
# Connection by environment: SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD (and SQL_TLS*).
# The plugin and schema folders are those of dev/temporal-versions.ts (deploy/deploy.integration.test.ts checks).
set -eu
: "${SQL_HOST:?set SQL_HOST}" "${SQL_USER:?set SQL_USER}" "${SQL_PASSWORD:?set SQL_PASSWORD}"
SCHEMA=/etc/temporal/schema

echo "waiting for PostgreSQL at ${SQL_HOST}:${SQL_PORT:-5432}"
attempt=0
until nc -z -w 5 "$SQL_HOST" "${SQL_PORT:-5432}"; do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 60 ] || { echo "PostgreSQL unreachable"; exit 1; }
  sleep 2
done

# create-database fails when the database exists (a second run, or one made by your DBA): go on;
# any other problem (credentials, network) fails the setup-schema step right after it.
temporal-sql-tool --plugin postgres12 --db temporal create-database || echo "database temporal: exists or not creatable, going on"
temporal-sql-tool --plugin postgres12 --db temporal setup-schema -v 0.0
temporal-sql-tool --plugin postgres12 --db temporal update-schema -d "$SCHEMA/postgresql/v12/temporal/versioned"

temporal-sql-tool --plugin postgres12 --db temporal_visibility create-database || echo "database temporal_visibility: exists or not creatable, going on"
temporal-sql-tool --plugin postgres12 --db temporal_visibility setup-schema -v 0.0
temporal-sql-tool --plugin postgres12 --db temporal_visibility update-schema -d "$SCHEMA/postgresql/v12/visibility/versioned"

echo "Temporal schemas up to date"
