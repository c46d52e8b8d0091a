#!/bin/sh
# Temporal's namespace step, after the server is up (safe to repeat): the namespace the app uses
# and the search attributes its workflows upsert (workflows/search-attributes.ts; deploy/deploy.integration.test.ts
# checks they match). Runs in temporalio/admin-tools; used by docker-compose.temporal.yml and the
# Kubernetes Job deploy/k8s/temporal/namespace-job.yaml.
# TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (default "default"), TEMPORAL_NAMESPACE_RETENTION (72h);
# with mTLS, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA and TEMPORAL_TLS_SERVER_NAME.
set -eu
: "${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"

if [ -n "${TEMPORAL_TLS_CERT:-}" ]; then
  set -- --address "$TEMPORAL_ADDRESS" \
    --tls-cert-path "$TEMPORAL_TLS_CERT" --tls-key-path "${TEMPORAL_TLS_KEY:?set TEMPORAL_TLS_KEY}" \
    --tls-ca-path "${TEMPORAL_TLS_CA:?set TEMPORAL_TLS_CA}" --tls-server-name "${TEMPORAL_TLS_SERVER_NAME:?set TEMPORAL_TLS_SERVER_NAME}"
else
  set -- --address "$TEMPORAL_ADDRESS"
fi

echo "waiting for Temporal at ${TEMPORAL_ADDRESS}"
attempt=0
until temporal operator cluster health "$@" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 90 ] || { temporal operator cluster health "$@"; exit 1; }
  sleep 2
done

if temporal operator namespace describe --namespace "$NAMESPACE" "$@" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create --namespace "$NAMESPACE" --retention "${TEMPORAL_NAMESPACE_RETENTION:-72h}" "$@"
fi

# Adding an attribute that exists with the same type changes nothing; another type fails. A new
# namespace may take a few seconds to be found by every service: a few tries.
attempt=0
until temporal operator search-attribute create --namespace "$NAMESPACE" "$@" \
  --name OrderStatus --type Keyword \
  --name CustomerId --type Keyword; do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 10 ] || exit 1
  sleep 3
done
temporal operator search-attribute list --namespace "$NAMESPACE" "$@"
