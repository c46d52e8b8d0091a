# syntax=docker/dockerfile:1
# One image for every orderflow process: the API, each of the five workers and the migrate step.
# Pick the process with the command (the default is the API):
#   docker run … orderflow                                  # npm run api
#   docker run … orderflow npm run worker:order             # or worker:product, worker:inventory, worker:notification, worker:payment
#   docker run … orderflow npm run migrate                  # the deployment's schema step (DATABASE_ADMIN_URL)
# It runs in production mode (ORDERFLOW_ENV=production): every secret and setting comes from the
# environment at run time (see docs/deployment.md, "Deployment artifacts"); nothing secret is in the image.
# Checked statically by deploy/deploy.integration.test.ts; build it with `docker build -t orderflow .`.

# The Node LTS in .node-version (deploy checks hold the two to one version), on Debian 13.
ARG NODE_IMAGE=node:24.22.3-trixie-slim

# Every dependency, for the build: the workflow bundle and the type check.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The prebuilt workflow bundle (order workers then start without webpack) and the type check.
FROM deps AS build
COPY . .
RUN npm run build:workflows -- /app/dist/workflow-bundle.js \
 && npx tsc -p .

# Production dependencies only (tsx, which runs the TypeScript entry points, is one of them).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# tini: PID 1 that forwards SIGTERM to npm → tsx → node (the processes drain on SIGTERM) and reaps.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV ORDERFLOW_ENV=production \
    NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    npm_config_cache=/tmp/.npm \
    npm_config_update_notifier=false \
    npm_config_logs_max=0
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY api ./api
COPY activities ./activities
COPY common ./common
COPY workers ./workers
COPY workflows ./workflows
COPY cli ./cli
COPY dev ./dev
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# The code is root's and read-only to the process; it writes only to /tmp (tsx's cache, npm's).
# Numeric, so that Kubernetes' runAsNonRoot can verify it: the base image's `node` user.
USER 1000:1000
# The API serves 3000 (API_PORT) and its metrics on 9463 (API_METRICS_ADDRESS); a worker serves
# /metrics, /healthz and /readyz on WORKER_METRICS_ADDRESS (9464 in the compose file and manifests).
EXPOSE 3000 9463 9464
# The API's /healthz, or the worker's when WORKER_METRICS_ADDRESS is set (deploy/healthcheck.mjs).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "deploy/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "run", "api"]
