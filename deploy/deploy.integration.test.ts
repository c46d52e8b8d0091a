import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiEnv,
  appProcessEnv,
  authDevelopmentSettings,
  authEnv,
  codecDevelopmentSettings,
  codecEnv,
  databaseEnv,
  logEnv,
  mailDevelopmentSettings,
  migrateEnv,
  ORDER_WORKER_HEAP_MB,
  parseConfig,
  paymentDevelopmentSettings,
  paymentEnv,
  rateLimitEnv,
  SERVICES,
  serviceDatabaseUrl,
  smtpEnv,
  temporalEnv,
  webhookDevelopmentSettings,
  webhookEnv,
  workerEnv,
  workflowEnv,
  type SchemaOwner,
} from '../common/config.js';
import { checkEnvironment, parseMode } from '../common/environment.js';
import { payloadDevelopmentSettings, payloadEnv } from '../common/payload-codec.js';
import { temporalDevelopmentSettings } from '../common/temporal-connection.js';
import { TEMPORAL_SCHEMAS, TEMPORAL_SERVER_VERSION, TEMPORAL_SQL_PLUGIN, TEMPORAL_UI_VERSION } from '../dev/temporal-versions.js';
import { ROOT } from '../dev/stack.js';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../workflows/search-attributes.js';
import { kustomizeBuild, kustomizeOrigins, renderCompose, type ComposeModel, type ComposeService, type Container, type Env, type K8sObject, type PodSpec } from './render.js';

/*
 * The deployment artifacts as their consumers read them: deploy/k8s rendered by `kustomize build`,
 * each compose file loaded by compose-go's compose-spec (the loader of Docker Compose) with sample
 * values for the variables it requires; both tools are built by dev/go-binaries.ts (render.ts).
 * What the tools do not check is checked here on their output: against the app's own configuration
 * schemas, the Temporal versions of dev/temporal-versions.ts, the search attributes of
 * workflows/search-attributes.ts and the Temporal configuration files of ops/temporal/; that no
 * secret is a literal; probes, ports, security contexts and resources.
 *
 * Nothing is built, started or applied: there is no Docker engine or Kubernetes here. The
 * Dockerfile has no consumer on this machine: a few textual checks of it stay. The only thing run
 * is the image's healthcheck script, against real listeners on loopback.
 */

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Memoised: a render runs once, and a render that fails fails every test that needs it, with the tool's message. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= make());
}

// ---------------------------------------------------------------------------------------------
// The renders

/** A plausible value for every variable the compose files require of the user (each secret random). */
function userValue(name: string): string {
  if (name === 'PAYLOAD_ENCRYPTION_KEY') return randomBytes(32).toString('base64');
  if (name === 'PAYLOAD_ENCRYPTION_KEY_ID') return 'orderflow-1';
  if (name === 'JWT_JWKS_URL') return 'https://idp.example.com/realms/shop/protocol/openid-connect/certs';
  if (name === 'JWT_ISSUER') return 'https://idp.example.com/realms/shop';
  if (name === 'JWT_AUDIENCE') return 'orderflow-api';
  if (name === 'SMTP_URL') return `smtps://orders:${randomBytes(12).toString('hex')}@mail.example.com:465`;
  if (name === 'MAIL_FROM') return 'Shop <orders@shop.example.com>';
  if (name === 'TEMPORAL_TLS_DIR') return '/srv/orderflow/temporal-tls';
  if (name === 'STRIPE_SECRET_KEY') return `sk_live_${randomBytes(24).toString('hex')}`;
  if (/PASSWORD/.test(name)) return randomBytes(12).toString('hex');
  throw new Error(`no sample value for \${${name}}`);
}

const k8s = once(() => kustomizeBuild());
/** The whole system (`docker compose up`), which includes docker-compose.temporal.yml. */
const composeApp = once(() => renderCompose('docker-compose.yml', userValue));
/** Temporal alone (`docker compose -f docker-compose.temporal.yml up`), plain gRPC and with mTLS. */
const composeTemporal = once(() => renderCompose('docker-compose.temporal.yml', userValue));
const composeTemporalTls = once(() => renderCompose('docker-compose.temporal.yml', userValue, { TEMPORAL_TLS_DIR: userValue('TEMPORAL_TLS_DIR') }));
const composeRenders = async () => [
  { where: 'docker-compose.yml', ...(await composeApp()) },
  { where: 'docker-compose.temporal.yml', ...(await composeTemporal()) },
  { where: 'docker-compose.temporal.yml (TEMPORAL_TLS_DIR set)', ...(await composeTemporalTls()) },
];

// Kubernetes

const workloads = (objects: K8sObject[]) => objects.filter((object) => object.spec?.template !== undefined);
const podSpecs = (objects: K8sObject[]) => workloads(objects).map((object) => ({ object, pod: object.spec!.template!.spec }));
const containersOf = (pod: PodSpec) => [...pod.containers, ...(pod.initContainers ?? [])];
const allContainers = (objects: K8sObject[]) => podSpecs(objects).flatMap(({ object, pod }) => containersOf(pod).map((container) => ({ object, pod, container })));
const configMaps = (objects: K8sObject[]) => new Map(objects.filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata.name, object.data ?? {}]));
/** The app's image (built from the Dockerfile), as the kustomization's `images` entry renames it. */
const isAppContainer = (container: Container) => /(^|\/)orderflow(:|$)/.test(container.image);
const appContainers = (objects: K8sObject[]) => allContainers(objects).filter(({ container }) => isAppContainer(container));
const deployments = (objects: K8sObject[]) => workloads(objects).filter((object) => object.kind === 'Deployment' && containersOf(object.spec!.template!.spec).some(isAppContainer));
const appContainer = (object: K8sObject) => object.spec!.template!.spec.containers.find(isAppContainer)!;
const byArgs = (objects: K8sObject[], script: string) => deployments(objects).filter((object) => appContainer(object).args?.join(' ') === `npm run ${script}`);
const envValue = (container: Container, name: string) => container.env?.find((variable) => variable.name === name)?.value;
const portOf = (container: Container, port: string | number) => (typeof port === 'number' ? port : container.ports?.find((entry) => entry.name === port)?.containerPort);

/** A container's environment: its ConfigMaps, its own values, and `secret(key)` for each Secret key it needs (optional ones left out). */
function containerEnv(objects: K8sObject[], container: Container, secret: (key: string) => string): Env {
  const maps = configMaps(objects);
  const env: Env = {};
  for (const source of container.envFrom ?? []) Object.assign(env, maps.get(source.configMapRef!.name));
  for (const variable of container.env ?? []) {
    const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (secretKeyRef && !secretKeyRef.optional) env[variable.name] = secret(secretKeyRef.key);
    else if (configMapKeyRef) env[variable.name] = maps.get(configMapKeyRef.name)![configMapKeyRef.key]!;
  }
  return env;
}
/** The rendered volume of a pod that mounts the ConfigMap holding `key`, and its mount path. */
function configMapMount(objects: K8sObject[], pod: PodSpec, container: Container, key: string): string {
  const maps = configMaps(objects);
  const volume = pod.volumes?.find((entry) => entry.configMap && key in (maps.get(entry.configMap.name) ?? {}));
  const mount = container.volumeMounts?.find((entry) => entry.name === volume?.name);
  if (!mount) throw new Error(`${container.name}: no ConfigMap with ${key} mounted`);
  return mount.mountPath;
}

// Compose

const environment = (service: ComposeService): Env => Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, value ?? '']));
/** The app's services: built from the repository's Dockerfile. */
const isAppService = (service: ComposeService) => service.build?.context !== undefined && path.resolve(service.build.context) === path.resolve(ROOT) && service.build.dockerfile === 'Dockerfile';
const appServices = (model: ComposeModel) => Object.entries(model.services).filter(([, service]) => isAppService(service));
const byCommand = (model: ComposeModel, script: string) => appServices(model).filter(([, service]) => service.command?.join(' ') === `npm run ${script}`);
const mountedFrom = (service: ComposeService, target: string) => service.volumes?.find((volume) => volume.target === target)?.source;
const hostPort = (address: string) => {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
};

// ---------------------------------------------------------------------------------------------
// What the app reads: its zod schemas, collected at run time, and the few variables read elsewhere.

/** The keys of a zod object schema, through the wrappers zod puts around one (refine, transform, pipe, optional, default). */
function objectKeys(schema: unknown): string[] | undefined {
  let current = schema as { shape?: unknown; def?: { in?: unknown; innerType?: unknown; schema?: unknown } } | undefined;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    if (current.shape && typeof current.shape === 'object') return Object.keys(current.shape);
    current = (current.def?.in ?? current.def?.innerType ?? current.def?.schema) as typeof current;
  }
  return undefined;
}

const APP_DIRS = ['common', 'api', 'workers', 'activities', 'cli', 'workflows'];
function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** Every environment variable declared by an exported zod object whose keys are all variable names. */
async function schemaVariables(): Promise<Set<string>> {
  const variables = new Set<string>();
  const modules = APP_DIRS.flatMap(sourceFiles).filter((file) => /export const \w+\s*=\s*z\s*\.\s*object\(/.test(read(file)));
  for (const file of modules) {
    const exports = (await import(pathToFileURL(path.join(ROOT, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      const keys = objectKeys(value);
      if (keys && keys.length > 0 && keys.every((key) => /^[A-Z][A-Z0-9_]*$/.test(key))) keys.forEach((key) => variables.add(key));
    }
  }
  return variables;
}

/** Each schema owner's role URLs, named as serviceDatabaseUrl reads them (proven below). */
const OWNERS: SchemaOwner[] = [...SERVICES, 'api'];
const roleUrlVariable = (owner: SchemaOwner, access: 'owner' | 'reader') => `${owner.toUpperCase()}${access === 'reader' ? '_READER' : ''}_DATABASE_URL`;
const ROLE_URL_VARIABLES = OWNERS.flatMap((owner) => (owner === 'api' ? (['owner'] as const) : (['owner', 'reader'] as const)).map((access) => ({ owner, access, name: roleUrlVariable(owner, access) })));

/** Read outside the zod schemas, each proven to be read by a case below (NODE_OPTIONS and MALLOC_ARENA_MAX: by Node and glibc, appProcessEnv). */
const READ_ELSEWHERE = new Set(['ORDERFLOW_ENV', 'NODE_ENV', 'NODE_OPTIONS', 'MALLOC_ARENA_MAX', ...ROLE_URL_VARIABLES.map(({ name }) => name)]);

/** npm's own settings (lower case), set by the Dockerfile for npm itself. */
const NPM_SETTING = /^npm_config_[a-z_]+$/;

/** Names whose values are secrets: never a literal in the repository. */
const SECRET_NAME = /(PASSWORD|PWD|SECRET|TOKEN|ENCRYPTION_KEY$|DECRYPTION_KEYS|API_KEY|^SMTP_URL$|_DATABASE_URL$|DATABASE_ADMIN_URL)/;
/** The password of a URL (`scheme://user:password@host`). */
const URL_PASSWORD = /:\/\/[^/@\s]*:([^/@\s]*)@/g;

// ---------------------------------------------------------------------------------------------
// The Dockerfile: no consumer on this machine, so read as text (continuations joined, comments out).

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}
function dockerfile(): { args: Env; stages: Stage[] } {
  const args: Env = {};
  const stages: Stage[] = [];
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const operand = rest.join(' ');
    if (instruction === 'ARG' && stages.length === 0) {
      const [name, value = ''] = operand.split('=');
      args[name!] = value;
    } else if (instruction === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(operand)!;
      stages.push({ from: match[1]!, name: match[2], lines: [] });
    } else {
      stages.at(-1)?.lines.push(line);
    }
  }
  return { args, stages };
}
const runtimeStage = () => dockerfile().stages.at(-1)!;
const instructions = (stage: Stage, name: string) => stage.lines.filter((line) => line.startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim());
function dockerfileEnv(stage: Stage): Env {
  const env: Env = {};
  for (const operand of instructions(stage, 'ENV')) for (const match of operand.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) env[match[1]!] = match[2]!;
  return env;
}
/** The runtime stage's `COPY <dir> ./<dir>` sources from the build context. */
const copiedFromContext = (stage: Stage) =>
  instructions(stage, 'COPY')
    .filter((operand) => !operand.startsWith('--from'))
    .flatMap((operand) => operand.split(/\s+/).slice(0, -1));

// ---------------------------------------------------------------------------------------------

describe('the consumers accept the files', () => {
  it('kustomize builds deploy/k8s', async () => {
    expect((await k8s()).length).toBeGreaterThan(10);
  });

  it('compose-spec loads docker-compose.yml (with the Temporal file it includes) and docker-compose.temporal.yml alone, with and without mTLS', async () => {
    for (const { where, model } of await composeRenders()) expect(Object.keys(model.services).length, where).toBeGreaterThanOrEqual(6);
    const { model } = await composeApp();
    expect(Object.keys(model.services)).toEqual(expect.arrayContaining(Object.keys((await composeTemporal()).model.services)));
  });

  it('every file of deploy/k8s reaches the render: a resource kustomize read, or the content of a generated ConfigMap', async () => {
    const origins = await kustomizeOrigins();
    const contents = new Set([...configMaps(await k8s()).values()].flatMap((data) => Object.values(data)));
    const files = readdirSync(path.join(ROOT, 'deploy/k8s'), { recursive: true, encoding: 'utf8' })
      .map((file) => path.join('deploy/k8s', file))
      .filter((file) => statSync(path.join(ROOT, file)).isFile() && path.basename(file) !== 'kustomization.yaml');
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(origins.has(file) || contents.has(read(file)), `${file}: neither a resource of the kustomization nor a generated ConfigMap's content`).toBe(true);
  });
});

describe('environment variables', () => {
  let variables: Set<string>;
  beforeAll(async () => {
    variables = await schemaVariables();
  });

  it('the schemas are found: the variables of config.ts and payload-codec.ts are among them', () => {
    for (const name of ['API_PORT', 'WORKER_METRICS_ADDRESS', 'TEMPORAL_ADDRESS', 'DATABASE_URL', 'JWT_JWKS_URL', 'SMTP_URL', 'PAYLOAD_ENCRYPTION_KEY', 'WORKFLOW_BUNDLE_PATH']) {
      expect(variables, name).toContain(name);
    }
  });

  it('the variables read outside the schemas are read: ORDERFLOW_ENV, NODE_ENV and each role URL', () => {
    expect(parseMode({ ORDERFLOW_ENV: 'production' })).toBe('production');
    expect(() => parseMode({ NODE_ENV: 'production' })).toThrow(/ORDERFLOW_ENV/);
    for (const { owner, access, name } of ROLE_URL_VARIABLES) {
      const url = 'postgres://someone:secret@db.example.com:5432/orderflow';
      expect(serviceDatabaseUrl(owner, access, 'postgres://127.0.0.1:5432/orderflow', { [name]: url }), name).toBe(url);
    }
  });

  it('every variable an app container sets (compose, Kubernetes, the Dockerfile) is one the app reads (its config schemas)', async () => {
    const found: { name: string; where: string }[] = [];
    for (const [name, service] of appServices((await composeApp()).model)) for (const variable of Object.keys(environment(service))) found.push({ name: variable, where: `docker-compose.yml ${name}` });
    const objects = await k8s();
    const maps = configMaps(objects);
    for (const { object, container } of appContainers(objects)) {
      const where = `deploy/k8s ${object.metadata.name}/${container.name}`;
      for (const variable of container.env ?? []) found.push({ name: variable.name, where });
      for (const source of container.envFrom ?? []) {
        expect(source.secretRef, `${where}: envFrom a Secret hides which keys it needs; name each with secretKeyRef`).toBeUndefined();
        for (const variable of Object.keys(maps.get(source.configMapRef!.name) ?? {})) found.push({ name: variable, where: `${where} (ConfigMap ${source.configMapRef!.name})` });
      }
    }
    for (const variable of Object.keys(dockerfileEnv(runtimeStage()))) found.push({ name: variable, where: 'Dockerfile ENV' });
    expect(found.length).toBeGreaterThan(50);
    expect(found.filter(({ name }) => !variables.has(name) && !READ_ELSEWHERE.has(name) && !NPM_SETTING.test(name))).toEqual([]);
  });
});

describe('the configuration each container gets is a valid production configuration', () => {
  /** Parses a process's environment the way its entry point does (api/server.ts, workers/bootstrap.ts, workers/notification.ts, workers/payment.ts): the webhook settings too (the API's redeliveries, the notification worker's retries; WEBHOOK_ALLOW_LOOPBACK refused). */
  function checkProcess(command: string, env: Env) {
    if (command === 'api') {
      const config = parseConfig({ log: logEnv, api: apiEnv, auth: authEnv, temporal: temporalEnv, database: databaseEnv, workflow: workflowEnv, payloads: payloadEnv, codec: codecEnv, limits: rateLimitEnv, webhook: webhookEnv }, env);
      expect(checkEnvironment(env, [...authDevelopmentSettings(config.auth), ...payloadDevelopmentSettings(env), ...codecDevelopmentSettings(config.codec, config.api.API_HOST), ...temporalDevelopmentSettings(config.temporal)])).toBe('production');
      return;
    }
    if (command.startsWith('worker:')) {
      const { temporal, smtp, payment, webhook } = parseConfig({ log: logEnv, temporal: temporalEnv, database: databaseEnv, workflow: workflowEnv, worker: workerEnv, payloads: payloadEnv, smtp: smtpEnv, payment: paymentEnv, webhook: webhookEnv }, env);
      const settings = [
        ...payloadDevelopmentSettings(env),
        ...temporalDevelopmentSettings(temporal),
        ...(command === 'worker:notification' ? [...mailDevelopmentSettings(smtp), ...webhookDevelopmentSettings(webhook)] : []),
        ...(command === 'worker:payment' ? paymentDevelopmentSettings(payment) : []),
      ];
      expect(checkEnvironment(env, settings)).toBe('production');
      return;
    }
    expect(command).toBe('migrate');
    const { migrate } = parseConfig({ database: databaseEnv, migrate: migrateEnv }, env);
    expect(parseMode(env)).toBe('production');
    expect(migrate.DATABASE_ADMIN_URL).toMatch(/^postgres:\/\//);
  }

  const npmScript = (args: string[] = []) => {
    expect(args.slice(0, 2)).toEqual(['npm', 'run']);
    return args[2]!;
  };

  it('compose: migrate, the API and each worker, as interpolated with sample values of the required variables', async () => {
    const image = dockerfileEnv(runtimeStage());
    const services = appServices((await composeApp()).model);
    expect(services.length).toBe(2 + SERVICES.length);
    for (const [, service] of services) checkProcess(npmScript(service.command), { ...image, ...environment(service) });
  });

  it('Kubernetes: the ConfigMap, each Deployment\'s own settings and sample values for the Secret keys', async () => {
    const image = dockerfileEnv(runtimeStage());
    const secret = (key: string) => (/DATABASE_(ADMIN_)?URL$/.test(key) ? `postgres://role:${userValue('PASSWORD')}@postgresql.example.com:5432/${key === 'DATABASE_ADMIN_URL' ? 'postgres' : 'orderflow'}` : userValue(key));
    const objects = await k8s();
    const containers = appContainers(objects);
    expect(containers.length).toBe(2 + SERVICES.length);
    for (const { container } of containers) checkProcess(npmScript(container.args), { ...image, ...containerEnv(objects, container, secret) });
  });
});

describe('secrets are never in the repository', () => {
  it('compose: every secret is a variable the file requires of the user (or empty), and so is every password in a URL', async () => {
    for (const { where, model, required } of await composeRenders()) {
      const samples = new Set(Object.values(required));
      for (const [name, service] of Object.entries(model.services)) {
        for (const [key, value] of Object.entries(environment(service))) {
          if (samples.has(value)) continue;
          if (SECRET_NAME.test(key)) expect(value === '' || [...value.matchAll(URL_PASSWORD)].length > 0, `${where} ${name} ${key}=${value}: not a required variable`).toBe(true);
          for (const match of value.matchAll(URL_PASSWORD)) expect(samples.has(match[1]!), `${where} ${name} ${key}: a password in a URL that is not a required variable`).toBe(true);
        }
      }
    }
    expect(Object.keys((await composeApp()).required)).toEqual(expect.arrayContaining(['POSTGRES_PASSWORD', 'TEMPORAL_POSTGRES_PASSWORD', 'PAYLOAD_ENCRYPTION_KEY', 'SMTP_URL', 'STRIPE_SECRET_KEY', 'TEMPORAL_TLS_DIR']));
  });

  it('Kubernetes: no Secret object (nor a secretGenerator\'s), secrets only through secretKeyRef, none in a ConfigMap', async () => {
    const objects = await k8s();
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    for (const [name, data] of configMaps(objects)) {
      for (const [key, value] of Object.entries(data)) {
        expect(SECRET_NAME.test(key), `${name} ${key}`).toBe(false);
        expect(value, `${name} ${key}`).not.toMatch(/:\/\/[^/@\s]*:[^/@\s]*@/);
      }
    }
    for (const { object, container } of allContainers(objects)) {
      for (const variable of container.env ?? []) {
        if (SECRET_NAME.test(variable.name) || /^POSTGRES_USER$|^SQL_USER$/.test(variable.name)) {
          expect(variable.valueFrom?.secretKeyRef, `${object.metadata.name} ${variable.name}`).toBeDefined();
        }
      }
    }
  });

  /** Each `kubectl create secret generic NAME --from-literal=KEY=… --from-file=KEY=…` of docs/deployment.md. */
  function documentedSecrets(): Map<string, Set<string>> {
    const secrets = new Map<string, Set<string>>();
    const text = read('docs/deployment.md').replace(/\\\n/g, ' ');
    for (const match of text.matchAll(/create secret generic ([\w-]+)([^\n]*)/g)) {
      const keys = secrets.get(match[1]!) ?? new Set<string>();
      for (const key of match[2]!.matchAll(/--from-(?:literal|file)=([\w.-]+)=/g)) keys.add(key[1]!);
      secrets.set(match[1]!, keys);
    }
    return secrets;
  }

  it('every Secret key the manifests use is created by a command in docs/deployment.md, and the mounted files the settings point at are its keys', async () => {
    const documented = documentedSecrets();
    expect(documented.size).toBeGreaterThanOrEqual(4);
    const objects = await k8s();
    for (const { object, pod, container } of allContainers(objects)) {
      const where = `${object.metadata.name}/${container.name}`;
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) expect(documented.get(ref.name), `${where}: ${ref.name}.${ref.key}`).toContain(ref.key);
      }
      // Settings that are paths into a mounted Secret name one of its documented keys.
      const settings = containerEnv(objects, container, () => '');
      for (const mount of container.volumeMounts ?? []) {
        const secretName = pod.volumes?.find((volume) => volume.name === mount.name)?.secret?.secretName;
        if (!secretName) continue;
        expect(documented.has(secretName), `${where}: Secret ${secretName}`).toBe(true);
        for (const [name, value] of Object.entries(settings)) {
          if (value.startsWith(`${mount.mountPath}/`)) expect(documented.get(secretName), `${where} ${name}=${value}`).toContain(value.slice(mount.mountPath.length + 1));
        }
      }
    }
  });

  it('compose: the certificates the settings point at are files deploy/compose/tls/README.md asks for, in the folder TEMPORAL_TLS_DIR mounts', async () => {
    const named = new Set([...read('deploy/compose/tls/README.md').matchAll(/`([\w-]+\.pem)`/g)].map((match) => match[1]!));
    const renders = [
      { where: 'docker-compose.yml', ...(await composeApp()) },
      { where: 'docker-compose.temporal.yml', ...(await composeTemporalTls()) },
    ];
    let checked = 0;
    for (const { where, model } of renders) {
      for (const [name, service] of Object.entries(model.services)) {
        for (const [key, value] of Object.entries(environment(service))) {
          if (!value.endsWith('.pem')) continue;
          const mount = service.volumes?.find((volume) => value.startsWith(`${volume.target}/`));
          expect(mount?.source, `${where} ${name} ${key}=${value}`).toBe(userValue('TEMPORAL_TLS_DIR'));
          expect(named, `${where} ${name} ${key}`).toContain(value.slice(mount!.target.length + 1));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    // Without TEMPORAL_TLS_DIR, Temporal alone talks plain gRPC: no certificate is set.
    for (const [name, service] of Object.entries((await composeTemporal()).model.services)) {
      for (const [key, value] of Object.entries(environment(service))) if (/TLS/.test(key)) expect(value, `${name} ${key}`).toBe('');
    }
  });

  it('.dockerignore keeps secrets, local state and host dependencies out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const entry of ['.env', '.data', 'node_modules', '.git', 'dist']) expect(ignored, entry).toContain(entry);
  });
});

describe('Temporal: one version, one configuration', () => {
  /** Every image of the compose files and the manifests, as rendered. */
  const images = async () => [
    ...(await composeRenders()).flatMap(({ where, model }) => Object.entries(model.services).map(([name, service]) => ({ where: `${where} ${name}`, image: service.image ?? '' }))),
    ...allContainers(await k8s()).map(({ object, container }) => ({ where: `deploy/k8s ${object.metadata.name}/${container.name}`, image: container.image })),
  ];

  it('every Temporal image is the version of dev/temporal-versions.ts; no auto-setup anywhere', async () => {
    const all = await images();
    const temporal = all.filter(({ image }) => image.startsWith('temporalio/'));
    expect(temporal.length).toBeGreaterThanOrEqual(8);
    for (const { where, image } of temporal) {
      const [repository, tag = ''] = image.split(':');
      if (repository === 'temporalio/server') expect(tag, where).toBe(TEMPORAL_SERVER_VERSION);
      else if (repository === 'temporalio/ui') expect(tag, where).toBe(TEMPORAL_UI_VERSION);
      // The admin tools are tagged <server>-tctl-<tctl>-cli-<cli>, as Temporal publishes them.
      else if (repository === 'temporalio/admin-tools') expect(tag, where).toMatch(new RegExp(`^${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}-tctl-[\\d.]+-cli-[\\d.]+$`));
      else throw new Error(`${where}: unexpected Temporal image ${image}`);
    }
    expect(all.filter(({ image }) => image.includes('auto-setup'))).toEqual([]);
  });

  /** A setup Job's script, as the rendered ConfigMap it mounts holds it. */
  async function jobScript(job: string, script: string) {
    const objects = await k8s();
    const object = objects.find((entry) => entry.kind === 'Job' && entry.metadata.name === job)!;
    const pod = object.spec!.template!.spec;
    const container = pod.containers[0]!;
    const mountPath = configMapMount(objects, pod, container, script);
    const volume = pod.volumes!.find((entry) => entry.name === container.volumeMounts!.find((mount) => mount.mountPath === mountPath)!.name)!;
    return { container, mountPath, text: configMaps(objects).get(volume.configMap!.name)![script]! };
  }

  it('the schema step uses the plugin, databases and schema folders of dev/temporal-versions.ts', async () => {
    const script = (await jobScript('temporal-schema', 'schema.sh')).text;
    const calls = script.split('\n').filter((line) => line.startsWith('temporal-sql-tool '));
    expect(calls.length).toBe(3 * Object.keys(TEMPORAL_SCHEMAS).length);
    for (const call of calls) expect(call).toContain(`--plugin ${TEMPORAL_SQL_PLUGIN} `);
    expect(/^SCHEMA=(\S+)$/m.exec(script)?.[1]).toBe('/etc/temporal/schema');
    for (const { database, schemaName } of Object.values(TEMPORAL_SCHEMAS)) {
      const own = calls.filter((call) => call.includes(` --db ${database} `));
      expect(own.length, database).toBe(3);
      expect(own[0]).toMatch(/ create-database( |$)/);
      expect(own[1]).toMatch(/ setup-schema -v 0\.0$/);
      expect(own[2]).toContain(` update-schema -d "$SCHEMA/${schemaName}/versioned"`);
    }
    // The server's configuration (a Go template the server renders itself) defaults to the same databases and plugin.
    const template = read('ops/temporal/config/orderflow.yaml');
    expect(template).toContain(`env "TEMPORAL_DB" | default "${TEMPORAL_SCHEMAS.persistence.database}"`);
    expect(template).toContain(`env "TEMPORAL_VISIBILITY_DB" | default "${TEMPORAL_SCHEMAS.visibility.database}"`);
    expect([...template.matchAll(/pluginName: (\S+)/g)].map((match) => match[1])).toEqual([TEMPORAL_SQL_PLUGIN, TEMPORAL_SQL_PLUGIN]);
  });

  it('the namespace step registers exactly the search attributes of workflows/search-attributes.ts', async () => {
    const script = (await jobScript('temporal-namespace', 'namespace.sh')).text;
    const create = /search-attribute create([^;]*?); do/s.exec(script)?.[1] ?? '';
    const registered = [...create.matchAll(/--name (\w+) --type (\w+)/g)].map((match) => ({ name: match[1], type: match[2]!.toUpperCase() }));
    expect(registered).toEqual(SEARCH_ATTRIBUTE_DEFINITIONS.map(({ name, type }) => ({ name, type: type.toUpperCase() })));
  });

  it('Kubernetes: the schema and namespace Jobs run the scripts of the ConfigMap they mount', async () => {
    for (const [job, script] of [['temporal-schema', 'schema.sh'], ['temporal-namespace', 'namespace.sh']] as const) {
      const { container, mountPath } = await jobScript(job, script);
      expect(container.command).toEqual(['/bin/sh', `${mountPath}/${script}`]);
    }
  });

  it('compose: the schema and namespace steps run the same scripts as the Jobs, in order, before the server and the app', async () => {
    for (const { where, model } of await composeRenders()) {
      const { services } = model;
      for (const [service, job, script] of [['temporal-schema', 'temporal-schema', 'schema.sh'], ['temporal-namespace', 'temporal-namespace', 'namespace.sh']] as const) {
        const source = mountedFrom(services[service]!, `/scripts/${script}`);
        expect(source, `${where} ${service}`).toBeDefined();
        expect(readFileSync(source!, 'utf8'), `${where} ${service}`).toBe((await jobScript(job, script)).text);
        expect(services[service]!.entrypoint, `${where} ${service}`).toEqual(['/bin/sh', `/scripts/${script}`]);
      }
      expect(services.temporal?.depends_on?.['temporal-schema']?.condition, where).toBe('service_completed_successfully');
      expect(services['temporal-namespace']?.depends_on?.temporal?.condition, where).toBe('service_healthy');
    }
  });

  it('compose: the server runs ops/temporal/config/orderflow.yaml and ops/temporal/dynamicconfig.yaml, mounted where its settings say', async () => {
    for (const { where, model } of await composeRenders()) {
      const server = model.services.temporal!;
      const env = environment(server);
      const script = [...(server.entrypoint ?? []), ...(server.command ?? [])].join(' ');
      const configDir = /--config (\S+)/.exec(script)?.[1] ?? '';
      expect(script, where).toMatch(/exec temporal-server --root \/ --config \S+ --env orderflow start/);
      expect(mountedFrom(server, `${configDir}/orderflow.yaml`), where).toBe(path.join(ROOT, 'ops/temporal/config/orderflow.yaml'));
      expect(mountedFrom(server, env.DYNAMIC_CONFIG_FILE_PATH!), where).toBe(path.join(ROOT, 'ops/temporal/dynamicconfig.yaml'));
      expect(env.BIND_ON_IP, where).toBe('0.0.0.0');
      expect(script, where).toContain('TEMPORAL_BROADCAST_ADDRESS');
    }
  });

  it('Kubernetes: the server mounts byte-for-byte copies of ops/temporal/ where its settings say', async () => {
    const objects = await k8s();
    const server = workloads(objects).find((object) => object.metadata.name === 'temporal')!;
    const pod = server.spec!.template!.spec;
    const container = pod.containers[0]!;
    const maps = configMaps(objects);
    const fileIn = (key: string) => {
      const volume = pod.volumes!.find((entry) => entry.configMap && key in (maps.get(entry.configMap.name) ?? {}))!;
      return maps.get(volume.configMap!.name)![key];
    };
    expect(fileIn('orderflow.yaml')).toBe(read('ops/temporal/config/orderflow.yaml'));
    expect(fileIn('dynamicconfig.yaml')).toBe(read('ops/temporal/dynamicconfig.yaml'));
    const settings = containerEnv(objects, container, () => '');
    expect(container.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    expect(container.command).toEqual(['temporal-server', '--root', '/', '--config', configMapMount(objects, pod, container, 'orderflow.yaml'), '--env', 'orderflow', 'start']);
    expect(settings.DYNAMIC_CONFIG_FILE_PATH).toBe(`${configMapMount(objects, pod, container, 'dynamicconfig.yaml')}/dynamicconfig.yaml`);
    expect(settings.BIND_ON_IP).toBe('0.0.0.0');
    // Go's soft limit leaves the container's limit some room (the runtime's own memory, stacks).
    const mebibytes = (quantity: string) => Number(/^(\d+)Mi/.exec(quantity)?.[1] ?? Number(/^(\d+)Gi$/.exec(quantity)![1]) * 1024);
    expect(mebibytes(settings.GOMEMLIMIT!)).toBeLessThanOrEqual(0.85 * mebibytes(String(container.resources!.limits!.memory)));
    expect(container.env?.find((variable) => variable.name === 'TEMPORAL_BROADCAST_ADDRESS')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    // Every TLS setting of the template is set, so that the frontend requires client certificates.
    for (const name of ['TEMPORAL_TLS_CA', 'TEMPORAL_TLS_FRONTEND_CERT', 'TEMPORAL_TLS_FRONTEND_KEY', 'TEMPORAL_TLS_INTERNODE_CERT', 'TEMPORAL_TLS_INTERNODE_KEY']) {
      expect(read('ops/temporal/config/orderflow.yaml')).toContain(`env "${name}"`);
      expect(settings[name], name).toMatch(/^\/etc\/temporal\/tls\//);
    }
  });

  it('the app asks for the frontend\'s certificate name that the server\'s configuration gives it', async () => {
    const serverName = /env "TEMPORAL_TLS_FRONTEND_SERVER_NAME" \| default "([^"]+)"/.exec(read('ops/temporal/config/orderflow.yaml'))?.[1];
    expect(serverName).toBe('temporal-frontend');
    expect(configMaps(await k8s()).get('orderflow-config')?.TEMPORAL_TLS_SERVER_NAME).toBe(serverName);
    for (const [name, service] of appServices((await composeApp()).model)) {
      const env = environment(service);
      if (env.TEMPORAL_ADDRESS) expect(env.TEMPORAL_TLS_SERVER_NAME, name).toBe(serverName);
    }
  });
});

describe('processes, ports and probes', () => {
  const packageScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it.each(SERVICES)('worker %s: a package script, a compose service with 2 replicas and a Deployment with 2, with its own database role', async (service) => {
    expect(packageScripts[`worker:${service}`]).toBe(`tsx workers/${service}.ts`);
    const inCompose = byCommand((await composeApp()).model, `worker:${service}`);
    expect(inCompose.length).toBe(1);
    const [, composed] = inCompose[0]!;
    expect(composed.deploy?.replicas).toBe(2);
    expect(Object.keys(environment(composed))).toContain(roleUrlVariable(service, 'owner'));
    const inK8s = byArgs(await k8s(), `worker:${service}`);
    expect(inK8s.length).toBe(1);
    expect(inK8s[0]!.spec!.replicas).toBe(2);
    expect(appContainer(inK8s[0]!).env?.map((variable) => variable.name)).toContain(roleUrlVariable(service, 'owner'));
  });

  it('every app process: started with appProcessEnv (Node\'s flags, the order worker\'s V8 heap limit its own; malloc arenas); the order worker\'s workflow cache is bounded, within the schema', async () => {
    const objects = await k8s();
    const { model } = await composeApp();
    const apps = [...SERVICES.map((service) => [service, `worker:${service}`] as const), ['api', 'api'] as const];
    for (const [name, script] of apps) {
      const container = appContainer(byArgs(objects, script)[0]!);
      const composed = environment(byCommand(model, script)[0]![1]);
      for (const [variable, value] of Object.entries(appProcessEnv(name))) {
        expect(envValue(container, variable), `${script} ${variable}`).toBe(value);
        expect(composed[variable], `${script} ${variable}`).toBe(value);
      }
    }
    expect(appProcessEnv('order').NODE_OPTIONS).toContain(`--max-old-space-size=${ORDER_WORKER_HEAP_MB}`);
    expect(SERVICES.filter((service) => appProcessEnv(service).NODE_OPTIONS.includes('--max-old-space-size'))).toEqual(['order']);
    const sizes = [envValue(appContainer(byArgs(objects, 'worker:order')[0]!), 'WORKER_MAX_CACHED_WORKFLOWS'), environment(byCommand(model, 'worker:order')[0]![1]).WORKER_MAX_CACHED_WORKFLOWS];
    for (const size of sizes) expect(parseConfig({ worker: workerEnv }, { WORKER_MAX_CACHED_WORKFLOWS: size }).worker.WORKER_MAX_CACHED_WORKFLOWS).toBe(Number(size));
  });

  it('the notification worker hosts the webhook workflows: the image\'s prebuilt bundle, attempt slots within the schema, the same WEBHOOK_RETRY_* as the API (one shared place), no loopback, the order worker\'s memory limit', async () => {
    const image = dockerfileEnv(runtimeStage());
    expect(image.WORKFLOW_BUNDLE_PATH).toBe('/app/dist/workflow-bundle.js');
    const retry = ['WEBHOOK_RETRY_INITIAL', 'WEBHOOK_RETRY_MAX', 'WEBHOOK_GIVE_UP_AFTER'] as const;
    const objects = await k8s();
    const { model } = await composeApp();
    const secret = () => 'unused';
    const k8sEnv = (script: string) => ({ ...image, ...containerEnv(objects, appContainer(byArgs(objects, script)[0]!), secret) });
    const composeEnv = (script: string) => ({ ...image, ...environment(byCommand(model, script)[0]![1]) });
    for (const [where, envOf] of [['Kubernetes', k8sEnv], ['compose', composeEnv]] as const) {
      const notification = envOf('worker:notification');
      const api = envOf('api');
      // Neither overrides the image's bundle (the one `npm run build:workflows` writes into it).
      expect(notification.WORKFLOW_BUNDLE_PATH, where).toBe(image.WORKFLOW_BUNDLE_PATH);
      const parsed = parseConfig({ webhook: webhookEnv }, notification).webhook;
      expect(Number(notification.WEBHOOK_MAX_CONCURRENT_ATTEMPTS), where).toBe(parsed.WEBHOOK_MAX_CONCURRENT_ATTEMPTS);
      for (const name of retry) {
        expect(notification[name], `${where} ${name}`).toBeDefined();
        expect(api[name], `${where} ${name}: the API starts redeliveries with the worker's retry policy`).toBe(notification[name]);
      }
      for (const env of [notification, api]) expect(env.WEBHOOK_ALLOW_LOOPBACK, where).toBeUndefined();
    }
    // One shared place: the ConfigMap every app pod reads, and compose's x-env anchor both services merge.
    const shared = configMaps(objects).get('orderflow-config')!;
    for (const name of retry) expect(shared[name], name).toBeDefined();
    for (const script of ['api', 'worker:notification']) for (const name of retry) expect(envValue(appContainer(byArgs(objects, script)[0]!), name), `${script} ${name}`).toBeUndefined();
    expect(read('docker-compose.yml')).toMatch(/^ {2}webhook: &webhook-env$/m);
    const limit = (script: string) => appContainer(byArgs(objects, script)[0]!).resources?.limits?.memory;
    expect(limit('worker:notification')).toBe(limit('worker:order'));
  });

  it('the API: compose and a Deployment of 2 with a PodDisruptionBudget; its reader roles and its own', async () => {
    const roles = [roleUrlVariable('api', 'owner'), ...SERVICES.map((service) => roleUrlVariable(service, 'reader'))];
    const [, composed] = byCommand((await composeApp()).model, 'api')[0]!;
    expect(Object.keys(environment(composed))).toEqual(expect.arrayContaining(roles));
    const objects = await k8s();
    const api = byArgs(objects, 'api');
    expect(api.length).toBe(1);
    expect(api[0]!.spec!.replicas).toBe(2);
    expect(appContainer(api[0]!).env?.map((variable) => variable.name)).toEqual(expect.arrayContaining(roles));
    const labels = api[0]!.spec!.template!.metadata!.labels!;
    const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget');
    expect(budgets.some((budget) => Object.entries(budget.spec!.selector!.matchLabels!).every(([key, value]) => labels[key] === value) && budget.spec!.minAvailable === 1)).toBe(true);
  });

  it('migrate: a compose one-shot and a Job, with DATABASE_ADMIN_URL and every role URL (it sets their passwords); the services wait for it', async () => {
    const names = ['DATABASE_ADMIN_URL', ...ROLE_URL_VARIABLES.map(({ name }) => name)];
    const { model } = await composeApp();
    expect(byCommand(model, 'migrate').map(([name]) => name)).toEqual(['migrate']);
    const [, composed] = byCommand(model, 'migrate')[0]!;
    expect(Object.keys(environment(composed))).toEqual(expect.arrayContaining(names));
    expect(composed.depends_on?.postgresql?.condition).toBe('service_healthy');
    for (const [name, service] of appServices(model)) {
      if (name === 'migrate') continue;
      expect(service.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(service.depends_on?.['temporal-namespace']?.condition, name).toBe('service_completed_successfully');
    }
    const job = (await k8s()).find((object) => object.kind === 'Job' && object.spec!.template!.spec.containers.some((container) => container.args?.join(' ') === 'npm run migrate'))!;
    expect(appContainer(job).env?.map((variable) => variable.name)).toEqual(expect.arrayContaining(names));
  });

  it('compose: the API listens on 0.0.0.0 at the published ports; workers at their exposed port; healthchecks run the image\'s script; read-only with a /tmp tmpfs', async () => {
    const { model } = await composeApp();
    const [, api] = byCommand(model, 'api')[0]!;
    const env = environment(api);
    expect(env.API_HOST).toBe('0.0.0.0');
    const metrics = hostPort(env.API_METRICS_ADDRESS!);
    expect(metrics.host).toBe('0.0.0.0');
    expect((api.ports ?? []).map((port) => port.target)).toEqual(expect.arrayContaining([Number(env.API_PORT), metrics.port]));
    expect(api.healthcheck?.test).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs']);
    for (const service of SERVICES) {
      const [name, worker] = byCommand(model, `worker:${service}`)[0]!;
      const address = hostPort(environment(worker).WORKER_METRICS_ADDRESS!);
      expect(address.host, name).toBe('0.0.0.0');
      expect(worker.expose, name).toContain(String(address.port));
      expect(worker.healthcheck?.test, name).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs']);
      expect(environment(worker).API_PORT, name).toBeUndefined(); // the healthcheck picks the worker's endpoint
    }
    for (const [name, service] of appServices(model)) {
      expect(service.read_only, name).toBe(true);
      expect(service.tmpfs, name).toContain('/tmp');
    }
  });

  it('compose: every port is published on loopback only; Temporal and its Web UI on the app\'s default ports', async () => {
    for (const { where, model } of await composeRenders()) {
      const { services } = model;
      for (const [name, service] of Object.entries(services)) for (const port of service.ports ?? []) expect(port.host_ip, `${where} ${name} ${port.target}`).toBe('127.0.0.1');
      expect(services.temporal?.ports?.map(({ published, target }) => ({ published, target })), where).toEqual([{ published: '7233', target: 7233 }]);
      expect(services['temporal-ui']?.ports?.map(({ published, target }) => ({ published, target })), where).toEqual([{ published: '8233', target: 8080 }]);
      expect(services.temporal?.healthcheck?.test, where).toEqual(['CMD', 'nc', '-z', '127.0.0.1', '7233']);
    }
  });

  it('Kubernetes: container ports are the listeners the settings open; probes hit them at /readyz and /healthz; Prometheus scrapes the metrics port', async () => {
    const checked = deployments(await k8s());
    expect(checked.length).toBe(1 + SERVICES.length);
    for (const object of checked) {
      const container = appContainer(object);
      const where = object.metadata.name;
      const isApi = container.args?.join(' ') === 'npm run api';
      const listener = isApi ? { host: envValue(container, 'API_HOST'), port: Number(envValue(container, 'API_PORT')) } : hostPort(envValue(container, 'WORKER_METRICS_ADDRESS')!);
      const metrics = isApi ? hostPort(envValue(container, 'API_METRICS_ADDRESS')!) : listener;
      expect(listener.host, where).toBe('0.0.0.0');
      expect(metrics.host, where).toBe('0.0.0.0');
      expect((container.ports ?? []).map((port) => port.containerPort), where).toEqual(expect.arrayContaining([listener.port, metrics.port]));
      expect(container.readinessProbe?.httpGet?.path, where).toBe('/readyz');
      expect(container.livenessProbe?.httpGet?.path, where).toBe('/healthz');
      expect(portOf(container, container.readinessProbe!.httpGet!.port), where).toBe(listener.port);
      expect(portOf(container, container.livenessProbe!.httpGet!.port), where).toBe(listener.port);
      const annotations = object.spec!.template!.metadata!.annotations!;
      expect(annotations['prometheus.io/scrape'], where).toBe('true');
      expect(Number(annotations['prometheus.io/port']), where).toBe(metrics.port);
      expect(annotations['prometheus.io/path'], where).toBe('/metrics');
    }
  });

  it('Kubernetes: every Service selects pods, and its target ports name their container ports', async () => {
    const objects = await k8s();
    const services = objects.filter((object) => object.kind === 'Service');
    expect(services.length).toBeGreaterThanOrEqual(2);
    for (const service of services) {
      const selector = service.spec!.selector!;
      const pods = workloads(objects).filter((object) => Object.entries(selector).every(([key, value]) => object.spec!.template!.metadata?.labels?.[key] === value));
      expect(pods.length, service.metadata.name).toBeGreaterThan(0);
      for (const port of service.spec!.ports!) {
        for (const pod of pods) {
          const containers = pod.spec!.template!.spec.containers;
          expect(containers.some((container) => portOf(container, port.targetPort) !== undefined), `${service.metadata.name} → ${port.targetPort}`).toBe(true);
        }
      }
    }
  });
});

describe('Kubernetes manifests', () => {
  it('everything is in the namespace orderflow (Pod Security "restricted"); the app\'s image is the one the kustomization names', async () => {
    const objects = await k8s();
    const namespace = objects.find((object) => object.kind === 'Namespace');
    expect(namespace?.metadata.name).toBe('orderflow');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const object of objects.filter((entry) => entry.kind !== 'Namespace')) expect(object.metadata.namespace, `${object.kind} ${object.metadata.name}`).toBe('orderflow');
    // The `images` entry renamed every app container's `orderflow` to a registry's, with a tag.
    const images = new Set(appContainers(objects).map(({ container }) => container.image));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^[\w.-]+(:\d+)?\/([\w.-]+\/)*orderflow:[\w.-]+$/);
  });

  it('every ConfigMap a pod refers to exists, with the keys it reads; every volume mounted is declared', async () => {
    const objects = await k8s();
    const maps = configMaps(objects);
    for (const { object, pod, container } of allContainers(objects)) {
      const where = `${object.metadata.name}/${container.name}`;
      for (const source of container.envFrom ?? []) expect(maps.has(source.configMapRef!.name), where).toBe(true);
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.configMapKeyRef;
        if (ref) expect(Object.keys(maps.get(ref.name) ?? {}), `${where} ${variable.name}`).toContain(ref.key);
      }
      for (const volume of pod.volumes ?? []) if (volume.configMap) expect(maps.has(volume.configMap.name), `${where} ${volume.name}`).toBe(true);
      for (const mount of container.volumeMounts ?? []) expect(pod.volumes?.some((volume) => volume.name === mount.name), `${where} ${mount.name}`).toBe(true);
    }
  });

  it('every pod is non-root, read-only, without capabilities or a service-account token, with requests and limits (Pod Security "restricted")', async () => {
    const specs = podSpecs(await k8s());
    expect(specs.length).toBe(1 + SERVICES.length + 1 + 3); // API, workers, migrate; Temporal server and its two Jobs
    for (const { object, pod } of specs) {
      const where = object.metadata.name;
      expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
      expect(pod.securityContext?.runAsUser, where).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
      expect(pod.automountServiceAccountToken, where).toBe(false);
      for (const container of containersOf(pod)) {
        expect(container.securityContext, `${where}/${container.name}`).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        for (const kind of ['requests', 'limits'] as const) {
          expect(Object.keys(container.resources?.[kind] ?? {}).sort(), `${where}/${container.name} ${kind}`).toEqual(['cpu', 'memory']);
        }
        // A read-only root: /tmp is an emptyDir.
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
        expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir, `${where}/${container.name} /tmp`).toBeDefined();
      }
    }
  });

  it('every app container that talks to Temporal mounts the client certificate where its settings point', async () => {
    const objects = await k8s();
    for (const { object, pod, container } of appContainers(objects)) {
      if (container.args?.join(' ') === 'npm run migrate') continue; // no Temporal
      const certificate = containerEnv(objects, container, () => '').TEMPORAL_TLS_CERT!;
      const mount = container.volumeMounts?.find((entry) => certificate.startsWith(`${entry.mountPath}/`));
      expect(mount, object.metadata.name).toBeDefined();
      expect(pod.volumes?.find((volume) => volume.name === mount!.name)?.secret?.secretName).toBe('orderflow-temporal-client-tls');
    }
  });
});

describe('the Dockerfile', () => {
  it('every stage starts from the Node of .node-version (the slim Debian image) or an earlier stage; the version is the one package.json\'s engines allow', () => {
    const { args, stages } = dockerfile();
    const version = read('.node-version').trim();
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(args.NODE_IMAGE).toMatch(new RegExp(`^node:${version.replace(/\./g, '\\.')}-[a-z]+-slim$`));
    const { engines } = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(/(\d+)/.exec(engines.node)?.[1]).toBe(version.split('.')[0]);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    stages.forEach((stage, index) => expect(['${NODE_IMAGE}', ...stages.slice(0, index).map((earlier) => earlier.name)], stage.name).toContain(stage.from));
  });

  it('builds with every dependency (the workflow bundle, tsc), runs with production dependencies only', () => {
    const { stages } = dockerfile();
    const runs = stages.flatMap((stage) => instructions(stage, 'RUN'));
    expect(runs.some((run) => /npm ci(?! --omit)/.test(run))).toBe(true);
    expect(runs.some((run) => run.includes('npm run build:workflows'))).toBe(true);
    expect(runs.some((run) => /npx tsc -p \./.test(run))).toBe(true);
    const prodDeps = stages.find((stage) => stage.name === 'prod-deps')!;
    expect(instructions(prodDeps, 'RUN').join(' ')).toContain('npm ci --omit=dev');
    expect(instructions(runtimeStage(), 'COPY').some((copy) => copy.startsWith('--from=prod-deps /app/node_modules'))).toBe(true);
  });

  it('the runtime stage: production mode, the prebuilt bundle where WORKFLOW_BUNDLE_PATH says, a non-root numeric USER, a HEALTHCHECK, the API by default', () => {
    const runtime = runtimeStage();
    const env = dockerfileEnv(runtime);
    expect(env.ORDERFLOW_ENV).toBe('production');
    expect(env.NODE_ENV).toBe('production');
    expect(instructions(runtime, 'COPY')).toContain(`--from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js`);
    expect(instructions(runtime, 'WORKDIR')).toEqual(['/app']);
    expect(env.WORKFLOW_BUNDLE_PATH).toBe('/app/dist/workflow-bundle.js');
    const user = instructions(runtime, 'USER');
    expect(user.length).toBe(1);
    expect(user[0]).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const healthcheck = instructions(runtime, 'HEALTHCHECK');
    expect(healthcheck.length).toBe(1);
    expect(healthcheck[0]).toContain('CMD ["node", "deploy/healthcheck.mjs"]');
    expect(copiedFromContext(runtime)).toContain('deploy/healthcheck.mjs');
    expect(instructions(runtime, 'CMD')).toEqual(['["npm", "run", "api"]']);
    expect(instructions(runtime, 'ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
  });

  it('the runtime stage has every file the processes import, and every package they import is a production dependency', () => {
    const copied = copiedFromContext(runtimeStage());
    for (const source of copied) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    const dirs = new Set(copied.filter((source) => statSync(path.join(ROOT, source)).isDirectory()));
    for (const dir of ['api', 'workers', 'common', 'activities', 'workflows', 'cli']) expect(dirs, dir).toContain(dir);
    const { dependencies } = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const problems: string[] = [];
    for (const file of [...dirs].flatMap(sourceFiles)) {
      for (const match of read(file).matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)) {
        const specifier = (match[1] ?? match[2])!;
        if (specifier.startsWith('.')) {
          const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier));
          if (!dirs.has(target.split(path.sep)[0]!)) problems.push(`${file}: ${specifier} is not in the image`);
        } else if (!specifier.startsWith('node:') && !builtins.has(specifier)) {
          const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
          if (!(name in dependencies)) problems.push(`${file}: ${name} is not a production dependency`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(dependencies.tsx).toBeDefined();
  });
});

describe('deploy/healthcheck.mjs, the image\'s HEALTHCHECK, against real listeners on loopback', () => {
  const run = promisify(execFile);
  let healthy: Server;
  let failing: Server;
  const portOf = (server: Server) => (server.address() as AddressInfo).port;

  beforeAll(async () => {
    const listen = (status: number) =>
      new Promise<Server>((resolve) => {
        const server = createServer((request, response) => response.writeHead(request.url === '/healthz' ? status : 404).end());
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    healthy = await listen(200);
    failing = await listen(503);
  });
  afterAll(() => {
    healthy.close();
    failing.close();
  });

  async function healthcheck(env: Env): Promise<number> {
    try {
      await run(process.execPath, [path.join(ROOT, 'deploy/healthcheck.mjs')], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 });
      return 0;
    } catch (error) {
      return (error as { code: number }).code;
    }
  }

  it('the API: API_HOST 0.0.0.0 and API_PORT → http://127.0.0.1:<port>/healthz', async () => {
    expect(await healthcheck({ API_HOST: '0.0.0.0', API_PORT: String(portOf(healthy)) })).toBe(0);
    expect(await healthcheck({ API_HOST: '0.0.0.0', API_PORT: String(portOf(failing)) })).toBe(1);
  });

  it('a worker: WORKER_METRICS_ADDRESS wins over the API settings', async () => {
    expect(await healthcheck({ WORKER_METRICS_ADDRESS: `0.0.0.0:${portOf(healthy)}`, API_PORT: String(portOf(failing)) })).toBe(0);
    expect(await healthcheck({ WORKER_METRICS_ADDRESS: `127.0.0.1:${portOf(failing)}` })).toBe(1);
  });

  it('nothing listening: unhealthy', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    expect(await healthcheck({ WORKER_METRICS_ADDRESS: `0.0.0.0:${closed}` })).toBe(1);
  });
});
