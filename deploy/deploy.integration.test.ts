import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
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
  rateLimitEnv,
  SERVICES,
  serviceDatabaseUrl,
  smtpEnv,
  temporalEnv,
  workerEnv,
  workflowEnv,
  type SchemaOwner,
} from '../common/config.js';
import { checkEnvironment, parseMode } from '../common/environment.js';
import { payloadDevelopmentSettings, payloadEnv } from '../common/payload-codec.js';
import { temporalDevelopmentSettings } from '../common/temporal-connection.js';
import { TEMPORAL_SCHEMAS, TEMPORAL_SERVER_VERSION, TEMPORAL_SQL_PLUGIN, TEMPORAL_UI_VERSION } from '../dev/temporal-versions.js';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../workflows/search-attributes.js';

/*
 * The deployment artifacts, checked statically: the Dockerfile, the two compose files and the
 * Kubernetes manifests of deploy/k8s, against the app's own configuration schemas, the Temporal
 * versions of dev/temporal-versions.ts, the search attributes of workflows/search-attributes.ts
 * and THE Temporal configuration files of ops/temporal/.
 *
 * Nothing here builds an image or applies a manifest: there is no Docker engine, kubectl,
 * kustomize or hadolint on the development machine or in CI. Every YAML file is parsed with the
 * `yaml` package (duplicate keys and syntax errors fail), compose files with their YAML merge keys
 * resolved and their `${…}` interpolation evaluated here; the only thing run is the image's
 * healthcheck script, against real listeners on loopback.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

// ---------------------------------------------------------------------------------------------
// YAML and the shapes read from it

type Env = Record<string, string>;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}
interface ContainerPort {
  name?: string;
  containerPort: number;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: ContainerPort[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string };
  secret?: { secretName: string };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  automountServiceAccountToken?: boolean;
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    template?: PodTemplate;
    selector?: Record<string, string> & { matchLabels?: Record<string, string> };
    ports?: { name?: string; port: number; targetPort: string | number }[];
    minAvailable?: number;
  };
}
interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | null> | string[];
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  read_only?: boolean;
  tmpfs?: string[];
}
interface ComposeFile {
  include?: (string | { path: string })[];
  services: Record<string, ComposeService>;
}
interface Kustomization {
  namespace?: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: { name: string; files?: string[]; literals?: string[]; envs?: string[] }[];
  secretGenerator?: unknown[];
}

/** Every document of a YAML file, with merge keys (`<<`) resolved; any parse error fails. */
function yamlDocuments(file: string): unknown[] {
  return parseAllDocuments(read(file), { merge: true }).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    return document.toJS() as unknown;
  });
}

const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.temporal.yml'] as const;
const K8S = 'deploy/k8s';
const compose = (file: (typeof COMPOSE_FILES)[number]) => yamlDocuments(file)[0] as ComposeFile;
const kustomization = () => yamlDocuments(`${K8S}/kustomization.yaml`)[0] as Kustomization;
const k8sObjects = (): K8sObject[] => kustomization().resources.flatMap((file) => yamlDocuments(path.join(K8S, file)) as K8sObject[]);

const workloads = () => k8sObjects().filter((object) => object.spec?.template !== undefined);
const podSpecs = () => workloads().map((object) => ({ object, pod: object.spec!.template!.spec }));
const containersOf = (pod: PodSpec) => [...pod.containers, ...(pod.initContainers ?? [])];
const allK8sContainers = () => podSpecs().flatMap(({ object, pod }) => containersOf(pod).map((container) => ({ object, pod, container })));

/** The app's image (built from the Dockerfile) in compose and in the manifests. */
const isAppComposeService = (service: ComposeService) => service.build === '.';
const APP_IMAGE = 'orderflow';
const isAppContainer = (container: Container) => container.image === APP_IMAGE;

// ---------------------------------------------------------------------------------------------
// Compose interpolation, evaluated as Docker Compose does for the forms these files use.

/** A plausible value for every variable the compose files ask of the user (for the config parse below). */
function userValue(name: string): string {
  if (name === 'PAYLOAD_ENCRYPTION_KEY') return randomBytes(32).toString('base64');
  if (name === 'PAYLOAD_ENCRYPTION_KEY_ID') return 'orderflow-1';
  if (name === 'JWT_JWKS_URL') return 'https://idp.example.com/realms/shop/protocol/openid-connect/certs';
  if (name === 'JWT_ISSUER') return 'https://idp.example.com/realms/shop';
  if (name === 'JWT_AUDIENCE') return 'orderflow-api';
  if (name === 'SMTP_URL') return 'smtps://user:pass@mail.example.com:465';
  if (name === 'MAIL_FROM') return 'Shop <orders@shop.example.com>';
  if (name === 'TEMPORAL_TLS_DIR') return '/srv/temporal-tls';
  if (/PASSWORD/.test(name)) return randomBytes(12).toString('hex');
  throw new Error(`no sample value for \${${name}}`);
}

function interpolate(value: string, vars: Env): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g, (_, name: string, operator: string | undefined, operand: string) => {
      const set = vars[name] !== undefined && vars[name] !== '';
      if (operator === ':-') return set ? vars[name]! : operand;
      if (operator === ':+') return set ? operand : '';
      if (operator === ':?') {
        if (!set) throw new Error(`\${${name}} is required: ${operand}`);
        return vars[name]!;
      }
      if (operator === undefined) return vars[name] ?? '';
      throw new Error(`unsupported interpolation \${${name}${operator}…}`);
    })
    .replace(/\$\$/g, '$');
}

function composeEnv(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** The variables a compose file asks of the user, with sample values. */
function sampleUserVars(): Env {
  const names = new Set<string>();
  for (const file of COMPOSE_FILES) for (const match of read(file).matchAll(/\$\{([A-Z_][A-Z0-9_]*):\?/g)) names.add(match[1]!);
  return Object.fromEntries([...names].map((name) => [name, userValue(name)]));
}

const asList = (value: string[] | string | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
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

// ---------------------------------------------------------------------------------------------
// The Dockerfile

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}
function dockerfileStages(): { args: Env; stages: Stage[] } {
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
      stages.push({ from: match[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? ''), name: match[2], lines: [] });
    } else {
      stages.at(-1)?.lines.push(line);
    }
  }
  return { args, stages };
}
const runtimeStage = () => dockerfileStages().stages.at(-1)!;
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

describe('every YAML file parses', () => {
  // Not the copy of the Temporal server's configuration: a Go template that the server renders
  // (`# enable-template`), compared byte for byte with ops/temporal/config/orderflow.yaml below.
  const isTemplate = (file: string) => read(file).startsWith('# enable-template');
  const files = [...COMPOSE_FILES, ...readdirSync(path.join(ROOT, K8S), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.yaml')).map((file) => path.join(K8S, file))].filter((file) => !isTemplate(file));
  it.each(files)('%s', (file) => {
    expect(yamlDocuments(file).length).toBeGreaterThan(0);
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

  /** Every variable that an app container sets, with where it is set. */
  function appVariables(): { name: string; where: string }[] {
    const found: { name: string; where: string }[] = [];
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(compose(file).services)) {
        if (isAppComposeService(service)) for (const variable of Object.keys(composeEnv(service))) found.push({ name: variable, where: `${file} ${name}` });
      }
    }
    const configMaps = new Map(k8sObjects().filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata.name, object]));
    for (const { object, container } of allK8sContainers()) {
      if (!isAppContainer(container)) continue;
      const where = `${K8S} ${object.metadata.name}/${container.name}`;
      for (const variable of container.env ?? []) found.push({ name: variable.name, where });
      for (const source of container.envFrom ?? []) {
        if (source.secretRef) throw new Error(`${where}: envFrom a Secret hides which keys it needs; name each with secretKeyRef`);
        const configMap = configMaps.get(source.configMapRef!.name);
        if (!configMap) throw new Error(`${where}: no ConfigMap ${source.configMapRef!.name}`);
        for (const variable of Object.keys(configMap.data ?? {})) found.push({ name: variable, where: `${where} (ConfigMap ${configMap.metadata.name})` });
      }
    }
    for (const variable of Object.keys(dockerfileEnv(runtimeStage()))) found.push({ name: variable, where: 'Dockerfile ENV' });
    return found;
  }

  it('every variable an app container sets is one the app reads (its config schemas)', () => {
    const found = appVariables();
    expect(found.length).toBeGreaterThan(50);
    const unknown = found.filter(({ name }) => !variables.has(name) && !READ_ELSEWHERE.has(name) && !NPM_SETTING.test(name));
    expect(unknown).toEqual([]);
  });
});

describe('the configuration each container gets is a valid production configuration', () => {
  /** Parses a process's environment the way its entry point does (api/server.ts, workers/bootstrap.ts, workers/notification.ts). */
  function checkProcess(command: string, env: Env) {
    const log = (extra: Env = {}) => ({ ...env, ...extra });
    if (command === 'api') {
      const config = parseConfig(
        { log: logEnv, api: apiEnv, auth: authEnv, temporal: temporalEnv, database: databaseEnv, workflow: workflowEnv, payloads: payloadEnv, codec: codecEnv, limits: rateLimitEnv },
        log(),
      );
      expect(checkEnvironment(env, [...authDevelopmentSettings(config.auth), ...payloadDevelopmentSettings(env), ...codecDevelopmentSettings(config.codec, config.api.API_HOST), ...temporalDevelopmentSettings(config.temporal)])).toBe('production');
      return;
    }
    if (command.startsWith('worker:')) {
      const { temporal, smtp } = parseConfig({ log: logEnv, temporal: temporalEnv, database: databaseEnv, workflow: workflowEnv, worker: workerEnv, payloads: payloadEnv, smtp: smtpEnv }, env);
      const settings = [...payloadDevelopmentSettings(env), ...temporalDevelopmentSettings(temporal), ...(command === 'worker:notification' ? mailDevelopmentSettings(smtp) : [])];
      expect(checkEnvironment(env, settings)).toBe('production');
      return;
    }
    expect(command).toBe('migrate');
    const { migrate } = parseConfig({ database: databaseEnv, migrate: migrateEnv }, env);
    expect(parseMode(env)).toBe('production');
    expect(migrate.DATABASE_ADMIN_URL).toMatch(/^postgres:\/\//);
  }

  const npmScript = (args: string[]) => {
    expect(args.slice(0, 2)).toEqual(['npm', 'run']);
    return args[2]!;
  };

  it('compose: migrate, the API and each worker (secrets from sample values of the user variables)', () => {
    const vars = sampleUserVars();
    const image = dockerfileEnv(runtimeStage());
    const services = Object.values(compose('docker-compose.yml').services).filter(isAppComposeService);
    expect(services.length).toBe(2 + SERVICES.length);
    for (const service of services) {
      const env = { ...image, ...Object.fromEntries(Object.entries(composeEnv(service)).map(([key, value]) => [key, interpolate(value, vars)])) };
      checkProcess(npmScript(asList(service.command)), env);
    }
  });

  it('Kubernetes: the ConfigMap, each Deployment\'s own settings and sample values for the Secret keys', () => {
    const image = dockerfileEnv(runtimeStage());
    const configMaps = new Map(k8sObjects().filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata.name, object.data ?? {}]));
    const secret = (key: string) => (/DATABASE_(ADMIN_)?URL$/.test(key) ? `postgres://role:${userValue('PASSWORD')}@postgresql.example.com:5432/${key === 'DATABASE_ADMIN_URL' ? 'postgres' : 'orderflow'}` : userValue(key));
    const containers = allK8sContainers().filter(({ container }) => isAppContainer(container));
    expect(containers.length).toBe(2 + SERVICES.length);
    for (const { container } of containers) {
      const env: Env = { ...image };
      for (const source of container.envFrom ?? []) Object.assign(env, configMaps.get(source.configMapRef!.name));
      for (const variable of container.env ?? []) {
        const secretRef = variable.valueFrom?.secretKeyRef;
        if (secretRef?.optional) continue;
        env[variable.name] = variable.value ?? (secretRef ? secret(secretRef.key) : configMaps.get(variable.valueFrom!.configMapKeyRef!.name)![variable.valueFrom!.configMapKeyRef!.key]!);
      }
      checkProcess(npmScript(container.args ?? []), env);
    }
  });
});

describe('secrets are never in the repository', () => {
  it('compose: every secret variable is a required `${…}` from the environment (or an empty default), and no URL carries a literal password', () => {
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(compose(file).services)) {
        for (const [key, value] of Object.entries(composeEnv(service))) {
          if (SECRET_NAME.test(key) && !value.startsWith('*')) {
            expect(value, `${file} ${name} ${key}`).toMatch(/^(\$\{[A-Z][A-Z0-9_]*(:\?[^}]+|:-)?\}|postgres:\/\/[\w.-]+:\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}@[\w.:/-]+)$/);
          }
          for (const match of value.matchAll(/:\/\/[^/@\s]*:([^/@\s]*)@/g)) {
            expect(match[1], `${file} ${name} ${key}: a password in a URL`).toMatch(/^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$/);
          }
        }
      }
    }
  });

  it('Kubernetes: no Secret object or secretGenerator, secrets only through secretKeyRef, none in a ConfigMap', () => {
    const objects = k8sObjects();
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    expect(kustomization().secretGenerator).toBeUndefined();
    for (const generator of kustomization().configMapGenerator ?? []) expect(generator.literals, generator.name).toBeUndefined();
    for (const configMap of objects.filter((object) => object.kind === 'ConfigMap')) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        expect(SECRET_NAME.test(key), `${configMap.metadata.name} ${key}`).toBe(false);
        expect(value, `${configMap.metadata.name} ${key}`).not.toMatch(/:\/\/[^/@\s]*:[^/@\s]*@/);
      }
    }
    for (const { object, container } of allK8sContainers()) {
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

  it('every Secret key the manifests use is created by a command in docs/deployment.md, and the mounted files the settings point at are its keys', () => {
    const documented = documentedSecrets();
    expect(documented.size).toBeGreaterThanOrEqual(4);
    const configMaps = new Map(k8sObjects().filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata.name, object.data ?? {}]));
    for (const { object, pod, container } of allK8sContainers()) {
      const where = `${object.metadata.name}/${container.name}`;
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) expect(documented.get(ref.name), `${where}: ${ref.name}.${ref.key}`).toContain(ref.key);
      }
      // Settings that are paths into a mounted Secret name one of its documented keys.
      const settings: Env = {};
      for (const source of container.envFrom ?? []) Object.assign(settings, configMaps.get(source.configMapRef!.name));
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.configMapKeyRef;
        if (variable.value !== undefined) settings[variable.name] = variable.value;
        else if (ref) settings[variable.name] = configMaps.get(ref.name)![ref.key]!;
      }
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

  it('compose: the certificate files the settings point at are the ones deploy/compose/tls/README.md asks for', () => {
    const named = new Set([...read('deploy/compose/tls/README.md').matchAll(/`([\w-]+\.pem)`/g)].map((match) => match[1]!));
    const vars = sampleUserVars();
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(compose(file).services)) {
        for (const [key, value] of Object.entries(composeEnv(service))) {
          const resolved = interpolate(value, vars);
          const match = /^\/etc\/(?:orderflow\/temporal-tls|temporal\/tls)\/(.+)$/.exec(resolved);
          if (match) expect(named, `${file} ${name} ${key}`).toContain(match[1]);
        }
      }
    }
  });

  it('.dockerignore keeps secrets, local state and host dependencies out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const entry of ['.env', '.data', 'node_modules', '.git', 'dist']) expect(ignored, entry).toContain(entry);
  });
});

describe('Temporal: one version, one configuration', () => {
  /** Every image of both compose files and every manifest. */
  const images = () => [
    ...COMPOSE_FILES.flatMap((file) => Object.entries(compose(file).services).map(([name, service]) => ({ where: `${file} ${name}`, image: service.image ?? '' }))),
    ...allK8sContainers().map(({ object, container }) => ({ where: `${K8S} ${object.metadata.name}/${container.name}`, image: container.image })),
  ];

  it('every Temporal image is the version of dev/temporal-versions.ts; no auto-setup anywhere', () => {
    const temporal = images().filter(({ image }) => image.startsWith('temporalio/'));
    expect(temporal.length).toBeGreaterThanOrEqual(8);
    for (const { where, image } of temporal) {
      const [repository, tag = ''] = image.split(':');
      if (repository === 'temporalio/server') expect(tag, where).toBe(TEMPORAL_SERVER_VERSION);
      else if (repository === 'temporalio/ui') expect(tag, where).toBe(TEMPORAL_UI_VERSION);
      // The admin tools are tagged <server>-tctl-<tctl>-cli-<cli>, as Temporal publishes them.
      else if (repository === 'temporalio/admin-tools') expect(tag, where).toMatch(new RegExp(`^${TEMPORAL_SERVER_VERSION.replace(/\./g, '\\.')}-tctl-[\\d.]+-cli-[\\d.]+$`));
      else throw new Error(`${where}: unexpected Temporal image ${image}`);
    }
    const everything = [...COMPOSE_FILES, 'Dockerfile', ...readdirSync(path.join(ROOT, 'deploy'), { recursive: true, encoding: 'utf8' }).map((file) => path.join('deploy', file))].filter((file) => file !== 'deploy/deploy.integration.test.ts');
    for (const file of everything) if (statSync(path.join(ROOT, file)).isFile()) expect(read(file), file).not.toMatch(/temporalio\/auto-setup:|image:\s*\S*auto-setup/);
    expect(images().filter(({ image }) => image.includes('auto-setup'))).toEqual([]);
  });

  it('the schema step uses the plugin, databases and schema folders of dev/temporal-versions.ts', () => {
    const script = read(`${K8S}/temporal/schema.sh`);
    const calls = script.split('\n').filter((line) => line.startsWith('temporal-sql-tool '));
    expect(calls.length).toBe(3 * Object.keys(TEMPORAL_SCHEMAS).length);
    for (const call of calls) expect(call).toContain(`--plugin ${TEMPORAL_SQL_PLUGIN} `);
    const schemaRoot = /^SCHEMA=(\S+)$/m.exec(script)?.[1];
    expect(schemaRoot).toBe('/etc/temporal/schema');
    for (const { database, schemaName } of Object.values(TEMPORAL_SCHEMAS)) {
      const own = calls.filter((call) => call.includes(` --db ${database} `));
      expect(own.length, database).toBe(3);
      expect(own[0]).toMatch(/ create-database( |$)/);
      expect(own[1]).toMatch(/ setup-schema -v 0\.0$/);
      expect(own[2]).toContain(` update-schema -d "$SCHEMA/${schemaName}/versioned"`);
    }
    // The server's configuration defaults to the same databases and plugin.
    const template = read('ops/temporal/config/orderflow.yaml');
    expect(template).toContain(`env "TEMPORAL_DB" | default "${TEMPORAL_SCHEMAS.persistence.database}"`);
    expect(template).toContain(`env "TEMPORAL_VISIBILITY_DB" | default "${TEMPORAL_SCHEMAS.visibility.database}"`);
    expect([...template.matchAll(/pluginName: (\S+)/g)].map((match) => match[1])).toEqual([TEMPORAL_SQL_PLUGIN, TEMPORAL_SQL_PLUGIN]);
  });

  it('the namespace step registers exactly the search attributes of workflows/search-attributes.ts', () => {
    const script = read(`${K8S}/temporal/namespace.sh`);
    const create = /search-attribute create([^;]*?); do/s.exec(script)?.[1] ?? '';
    const registered = [...create.matchAll(/--name (\w+) --type (\w+)/g)].map((match) => ({ name: match[1], type: match[2]!.toUpperCase() }));
    expect(registered).toEqual(SEARCH_ATTRIBUTE_DEFINITIONS.map(({ name, type }) => ({ name, type: type.toUpperCase() })));
  });

  it('compose: the schema and namespace steps run those scripts, in order, before the server and the app', () => {
    const { services } = compose('docker-compose.temporal.yml');
    expect(services['temporal-schema']?.volumes).toContain('./deploy/k8s/temporal/schema.sh:/scripts/schema.sh:ro');
    expect(services['temporal-schema']?.entrypoint).toEqual(['/bin/sh', '/scripts/schema.sh']);
    expect(services['temporal-namespace']?.volumes).toContain('./deploy/k8s/temporal/namespace.sh:/scripts/namespace.sh:ro');
    expect(services['temporal-namespace']?.entrypoint).toEqual(['/bin/sh', '/scripts/namespace.sh']);
    expect(services.temporal?.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(services['temporal-namespace']?.depends_on?.temporal?.condition).toBe('service_healthy');
    expect(compose('docker-compose.yml').include).toEqual(['docker-compose.temporal.yml']);
  });

  it('compose: the server runs ops/temporal/config/orderflow.yaml and ops/temporal/dynamicconfig.yaml, mounted where its settings say', () => {
    const server = compose('docker-compose.temporal.yml').services.temporal!;
    const env = composeEnv(server);
    const mounts = new Map((server.volumes ?? []).map((volume) => volume.split(':')).map(([source, target]) => [target!, source!]));
    const script = asList(server.command).join(' ');
    const configDir = /--config (\S+)/.exec(script)?.[1] ?? '';
    expect(script).toMatch(/exec temporal-server --root \/ --config \S+ --env orderflow start/);
    expect(mounts.get(`${configDir}/orderflow.yaml`)).toBe('./ops/temporal/config/orderflow.yaml');
    expect(mounts.get(env.DYNAMIC_CONFIG_FILE_PATH!)).toBe('./ops/temporal/dynamicconfig.yaml');
    expect(env.BIND_ON_IP).toBe('0.0.0.0');
    expect(script).toContain('TEMPORAL_BROADCAST_ADDRESS');
  });

  it('Kubernetes: the generated ConfigMaps are byte-for-byte copies of ops/temporal/, mounted where the server\'s settings say', () => {
    const generators = new Map((kustomization().configMapGenerator ?? []).map((generator) => [generator.name, generator.files ?? []]));
    const fileOf = (generator: string, key: string) => (generators.get(generator) ?? []).find((entry) => entry.startsWith(`${key}=`))?.slice(key.length + 1);
    expect(read(path.join(K8S, fileOf('temporal-server-config', 'orderflow.yaml')!))).toBe(read('ops/temporal/config/orderflow.yaml'));
    expect(read(path.join(K8S, fileOf('temporal-dynamic-config', 'dynamicconfig.yaml')!))).toBe(read('ops/temporal/dynamicconfig.yaml'));

    const server = workloads().find((object) => object.metadata.name === 'temporal')!;
    const pod = server.spec!.template!.spec;
    const container = pod.containers[0]!;
    const settings = k8sObjects().find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'temporal-settings')!.data!;
    const mountOf = (configMap: string) => {
      const volume = pod.volumes!.find((entry) => entry.configMap?.name === configMap)!;
      return container.volumeMounts!.find((mount) => mount.name === volume.name)!.mountPath;
    };
    expect(container.image).toBe(`temporalio/server:${TEMPORAL_SERVER_VERSION}`);
    expect(container.command).toEqual(['temporal-server', '--root', '/', '--config', mountOf('temporal-server-config'), '--env', 'orderflow', 'start']);
    expect(settings.DYNAMIC_CONFIG_FILE_PATH).toBe(`${mountOf('temporal-dynamic-config')}/dynamicconfig.yaml`);
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

  it('Kubernetes: the schema and namespace Jobs run the scripts of the generated ConfigMap', () => {
    const generator = (kustomization().configMapGenerator ?? []).find((entry) => entry.name === 'temporal-setup-scripts')!;
    expect(generator.files).toEqual(['schema.sh=temporal/schema.sh', 'namespace.sh=temporal/namespace.sh']);
    for (const [job, script] of [['temporal-schema', 'schema.sh'], ['temporal-namespace', 'namespace.sh']] as const) {
      const object = k8sObjects().find((entry) => entry.kind === 'Job' && entry.metadata.name === job)!;
      const pod = object.spec!.template!.spec;
      const container = pod.containers[0]!;
      const volume = pod.volumes!.find((entry) => entry.configMap?.name === 'temporal-setup-scripts')!;
      const mount = container.volumeMounts!.find((entry) => entry.name === volume.name)!;
      expect(container.command).toEqual(['/bin/sh', `${mount.mountPath}/${script}`]);
    }
  });

  it('the app asks for the frontend\'s certificate name that the server\'s configuration gives it', () => {
    const serverName = /env "TEMPORAL_TLS_FRONTEND_SERVER_NAME" \| default "([^"]+)"/.exec(read('ops/temporal/config/orderflow.yaml'))?.[1];
    expect(serverName).toBe('temporal-frontend');
    const configMap = k8sObjects().find((object) => object.metadata.name === 'orderflow-config')!;
    expect(configMap.data!.TEMPORAL_TLS_SERVER_NAME).toBe(serverName);
    for (const service of Object.values(compose('docker-compose.yml').services).filter(isAppComposeService)) {
      const env = composeEnv(service);
      if (env.TEMPORAL_ADDRESS) expect(env.TEMPORAL_TLS_SERVER_NAME).toBe(serverName);
    }
  });
});

describe('processes, ports and probes', () => {
  const composeApp = () => Object.entries(compose('docker-compose.yml').services).filter(([, service]) => isAppComposeService(service));
  const byCommand = (script: string) => composeApp().filter(([, service]) => asList(service.command).join(' ') === `npm run ${script}`);
  const deployments = () => workloads().filter((object) => object.kind === 'Deployment' && containersOf(object.spec!.template!.spec).some(isAppContainer));
  const appContainer = (object: K8sObject) => object.spec!.template!.spec.containers.find(isAppContainer)!;
  const envValue = (container: Container, name: string) => container.env?.find((variable) => variable.name === name)?.value;
  const portOf = (container: Container, port: string | number) => (typeof port === 'number' ? port : container.ports?.find((entry) => entry.name === port)?.containerPort);
  const packageScripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it.each(SERVICES)('worker %s: a package script, a compose service with 2 replicas and a Deployment with 2, with its own database role', (service) => {
    expect(packageScripts[`worker:${service}`]).toBe(`tsx workers/${service}.ts`);
    const inCompose = byCommand(`worker:${service}`);
    expect(inCompose.length).toBe(1);
    const [, composed] = inCompose[0]!;
    expect(composed.deploy?.replicas).toBe(2);
    expect(Object.keys(composeEnv(composed))).toContain(roleUrlVariable(service, 'owner'));
    const inK8s = deployments().filter((object) => appContainer(object).args?.join(' ') === `npm run worker:${service}`);
    expect(inK8s.length).toBe(1);
    expect(inK8s[0]!.spec!.replicas).toBe(2);
    expect(appContainer(inK8s[0]!).env?.map((variable) => variable.name)).toContain(roleUrlVariable(service, 'owner'));
  });

  it('every app process: started with appProcessEnv (Node\'s flags, the order worker\'s V8 heap limit its own; malloc arenas); the order worker\'s workflow cache is bounded, within the schema', () => {
    const apps = [...SERVICES.map((service) => [service, `worker:${service}`] as const), ['api', 'api'] as const];
    for (const [name, script] of apps) {
      const inK8s = deployments().find((object) => appContainer(object).args?.join(' ') === `npm run ${script}`)!;
      const composed = composeEnv(byCommand(script)[0]![1]);
      for (const [variable, value] of Object.entries(appProcessEnv(name))) {
        expect(envValue(appContainer(inK8s), variable), `${script} ${variable}`).toBe(value);
        expect(composed[variable], `${script} ${variable}`).toBe(value);
      }
    }
    expect(appProcessEnv('order').NODE_OPTIONS).toContain(`--max-old-space-size=${ORDER_WORKER_HEAP_MB}`);
    expect(SERVICES.filter((service) => appProcessEnv(service).NODE_OPTIONS.includes('--max-old-space-size'))).toEqual(['order']);
    const order = deployments().find((object) => appContainer(object).args?.join(' ') === 'npm run worker:order')!;
    const [, composed] = byCommand('worker:order')[0]!;
    const cacheSizes = [envValue(appContainer(order), 'WORKER_MAX_CACHED_WORKFLOWS'), interpolate(composeEnv(composed).WORKER_MAX_CACHED_WORKFLOWS!, {})];
    for (const size of cacheSizes) expect(parseConfig({ worker: workerEnv }, { WORKER_MAX_CACHED_WORKFLOWS: size }).worker.WORKER_MAX_CACHED_WORKFLOWS).toBe(Number(size));
  });

  it('the API: compose and a Deployment of 2 with a PodDisruptionBudget; its reader roles and its own', () => {
    const roles = [roleUrlVariable('api', 'owner'), ...SERVICES.map((service) => roleUrlVariable(service, 'reader'))];
    const [, composed] = byCommand('api')[0]!;
    expect(Object.keys(composeEnv(composed))).toEqual(expect.arrayContaining(roles));
    const api = deployments().filter((object) => appContainer(object).args?.join(' ') === 'npm run api');
    expect(api.length).toBe(1);
    expect(api[0]!.spec!.replicas).toBe(2);
    expect(appContainer(api[0]!).env?.map((variable) => variable.name)).toEqual(expect.arrayContaining(roles));
    const budgets = k8sObjects().filter((object) => object.kind === 'PodDisruptionBudget');
    const labels = api[0]!.spec!.template!.metadata!.labels!;
    expect(budgets.some((budget) => Object.entries(budget.spec!.selector!.matchLabels!).every(([key, value]) => labels[key] === value) && budget.spec!.minAvailable === 1)).toBe(true);
  });

  it('migrate: a compose one-shot and a Job, with DATABASE_ADMIN_URL and every role URL (it sets their passwords); the services wait for it', () => {
    const names = ['DATABASE_ADMIN_URL', ...ROLE_URL_VARIABLES.map(({ name }) => name)];
    expect(byCommand('migrate').map(([name]) => name)).toEqual(['migrate']);
    const [, composed] = byCommand('migrate')[0]!;
    expect(Object.keys(composeEnv(composed))).toEqual(expect.arrayContaining(names));
    expect(composed.depends_on?.postgresql?.condition).toBe('service_healthy');
    for (const [name, service] of composeApp()) {
      if (name === 'migrate') continue;
      expect(service.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      expect(service.depends_on?.['temporal-namespace']?.condition, name).toBe('service_completed_successfully');
    }
    const job = k8sObjects().find((object) => object.kind === 'Job' && object.spec!.template!.spec.containers.some((container) => container.args?.join(' ') === 'npm run migrate'))!;
    expect(appContainer(job).env?.map((variable) => variable.name)).toEqual(expect.arrayContaining(names));
  });

  it('compose: the API listens on 0.0.0.0 at the published ports; workers at their exposed port; healthchecks run the image\'s script', () => {
    const [, api] = byCommand('api')[0]!;
    const env = composeEnv(api);
    expect(env.API_HOST).toBe('0.0.0.0');
    const metrics = hostPort(env.API_METRICS_ADDRESS!);
    expect(metrics.host).toBe('0.0.0.0');
    const published = (api.ports ?? []).map((mapping) => Number(mapping.split(':').at(-1)));
    expect(published).toEqual(expect.arrayContaining([Number(env.API_PORT), metrics.port]));
    for (const mapping of api.ports ?? []) expect(mapping).toMatch(/^127\.0\.0\.1:/);
    expect(api.healthcheck?.test).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs']);
    for (const service of SERVICES) {
      const [name, worker] = byCommand(`worker:${service}`)[0]!;
      const address = hostPort(composeEnv(worker).WORKER_METRICS_ADDRESS!);
      expect(address.host, name).toBe('0.0.0.0');
      expect(worker.expose, name).toContain(String(address.port));
      expect(worker.healthcheck?.test, name).toEqual(['CMD', 'node', 'deploy/healthcheck.mjs']);
      expect(composeEnv(worker).API_PORT, name).toBeUndefined(); // the healthcheck picks the worker's endpoint
    }
    for (const [name, service] of composeApp()) {
      expect(service.read_only, name).toBe(true);
      expect(service.tmpfs, name).toContain('/tmp');
    }
  });

  it('compose: Temporal and its Web UI are published on loopback only, on the app\'s default ports', () => {
    const { services } = compose('docker-compose.temporal.yml');
    expect(services.temporal?.ports).toEqual(['127.0.0.1:7233:7233']);
    expect(services['temporal-ui']?.ports).toEqual(['127.0.0.1:8233:8080']);
    expect(services.temporal?.healthcheck?.test).toEqual(['CMD', 'nc', '-z', '127.0.0.1', '7233']);
    for (const file of COMPOSE_FILES) {
      for (const [name, service] of Object.entries(compose(file).services)) for (const mapping of service.ports ?? []) expect(mapping, `${file} ${name}`).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('Kubernetes: container ports are the listeners the settings open; probes hit them at /readyz and /healthz; Prometheus scrapes the metrics port', () => {
    const checked = deployments();
    expect(checked.length).toBe(1 + SERVICES.length);
    for (const object of checked) {
      const container = appContainer(object);
      const where = object.metadata.name;
      const isApi = container.args?.join(' ') === 'npm run api';
      const listener = isApi ? { host: envValue(container, 'API_HOST'), port: Number(envValue(container, 'API_PORT')) } : hostPort(envValue(container, 'WORKER_METRICS_ADDRESS')!);
      const metrics = isApi ? hostPort(envValue(container, 'API_METRICS_ADDRESS')!) : listener;
      expect(listener.host, where).toBe('0.0.0.0');
      expect(metrics.host, where).toBe('0.0.0.0');
      const ports = (container.ports ?? []).map((port) => port.containerPort);
      expect(ports, where).toEqual(expect.arrayContaining([listener.port, metrics.port]));
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

  it('Kubernetes: every Service selects pods, and its target ports name their container ports', () => {
    const services = k8sObjects().filter((object) => object.kind === 'Service');
    expect(services.length).toBeGreaterThanOrEqual(2);
    for (const service of services) {
      const selector = service.spec!.selector!;
      const pods = workloads().filter((object) => Object.entries(selector).every(([key, value]) => object.spec!.template!.metadata?.labels?.[key] === value));
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
  it('the kustomization lists every manifest and every file it loads exists', () => {
    const { resources, configMapGenerator = [] } = kustomization();
    const manifests = readdirSync(path.join(ROOT, K8S), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
    const generated = configMapGenerator.flatMap((generator) => (generator.files ?? []).map((entry) => entry.split('=').at(-1)!));
    expect([...resources, ...generated.filter((file) => file.endsWith('.yaml'))].sort()).toEqual(manifests.sort());
    for (const file of [...resources, ...generated]) expect(existsSync(path.join(ROOT, K8S, file)), file).toBe(true);
    expect(kustomization().namespace).toBe('orderflow');
    expect(k8sObjects().some((object) => object.kind === 'Namespace' && object.metadata.name === 'orderflow')).toBe(true);
    expect(kustomization().images?.map((image) => image.name)).toEqual([APP_IMAGE]);
  });

  it('every ConfigMap a pod refers to exists (a resource or a generator), with the keys it reads', () => {
    const configMaps = new Map(k8sObjects().filter((object) => object.kind === 'ConfigMap').map((object) => [object.metadata.name, object.data ?? {}]));
    const generated = new Set((kustomization().configMapGenerator ?? []).map((generator) => generator.name));
    for (const { object, pod, container } of allK8sContainers()) {
      const where = `${object.metadata.name}/${container.name}`;
      for (const source of container.envFrom ?? []) expect(configMaps.has(source.configMapRef!.name), where).toBe(true);
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.configMapKeyRef;
        if (ref) expect(Object.keys(configMaps.get(ref.name) ?? {}), `${where} ${variable.name}`).toContain(ref.key);
      }
      for (const volume of pod.volumes ?? []) if (volume.configMap) expect(configMaps.has(volume.configMap.name) || generated.has(volume.configMap.name), `${where} ${volume.name}`).toBe(true);
      for (const mount of container.volumeMounts ?? []) expect(pod.volumes?.some((volume) => volume.name === mount.name), `${where} ${mount.name}`).toBe(true);
    }
  });

  it('every pod is non-root, read-only, without capabilities or a service-account token, with requests and limits (Pod Security "restricted")', () => {
    const specs = podSpecs();
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

  it('every app container mounts the Temporal client certificate where its settings point', () => {
    const configMap = k8sObjects().find((object) => object.metadata.name === 'orderflow-config')!.data!;
    for (const { object, pod, container } of allK8sContainers().filter(({ container }) => isAppContainer(container))) {
      if (container.args?.join(' ') === 'npm run migrate') continue; // no Temporal
      const mount = container.volumeMounts?.find((entry) => configMap.TEMPORAL_TLS_CERT!.startsWith(`${entry.mountPath}/`));
      expect(mount, object.metadata.name).toBeDefined();
      expect(pod.volumes?.find((volume) => volume.name === mount!.name)?.secret?.secretName).toBe('orderflow-temporal-client-tls');
    }
  });
});

describe('the Dockerfile', () => {
  it('builds in stages from a pinned node:20 bookworm-slim: all dependencies, the workflow bundle and tsc, then production dependencies only', () => {
    const { stages } = dockerfileStages();
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const major = /(\d+)/.exec((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node)![1];
    for (const stage of stages.filter((entry) => !entry.from.startsWith('deps'))) expect(stage.from).toMatch(new RegExp(`^node:${major}\\.\\d+\\.\\d+-bookworm-slim$`));
    const runs = stages.flatMap((stage) => instructions(stage, 'RUN'));
    expect(runs.some((run) => /npm ci(?! --omit)/.test(run))).toBe(true);
    expect(runs.some((run) => run.includes('npm run build:workflows'))).toBe(true);
    expect(runs.some((run) => /npx tsc -p \./.test(run))).toBe(true);
    expect(runs.some((run) => run.includes('npm ci --omit=dev'))).toBe(true);
  });

  it('copies patches/ before each npm ci, whose postinstall (patch-package) applies them', () => {
    const { scripts, dependencies } = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(scripts.postinstall).toBe('patch-package');
    expect(dependencies['patch-package'], 'a production dependency: npm ci --omit=dev runs the postinstall too').toBeDefined();
    const installing = dockerfileStages().stages.filter((stage) => instructions(stage, 'RUN').some((run) => run.includes('npm ci')));
    expect(installing.length).toBe(2);
    for (const stage of installing) {
      const copyAt = stage.lines.findIndex((line) => /^COPY patches\s/.test(line));
      expect(copyAt, stage.name).toBeGreaterThanOrEqual(0);
      expect(copyAt, stage.name).toBeLessThan(stage.lines.findIndex((line) => line.startsWith('RUN npm ci')));
    }
  });

  it('the runtime stage: production mode, the prebuilt bundle where WORKFLOW_BUNDLE_PATH says, a non-root numeric USER, a HEALTHCHECK, the API by default', () => {
    const runtime = runtimeStage();
    const env = dockerfileEnv(runtime);
    expect(env.ORDERFLOW_ENV).toBe('production');
    expect(env.NODE_ENV).toBe('production');
    const copies = instructions(runtime, 'COPY');
    expect(copies).toContain(`--from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js`);
    expect(instructions(runtime, 'WORKDIR')).toEqual(['/app']);
    expect(env.WORKFLOW_BUNDLE_PATH).toBe('/app/dist/workflow-bundle.js');
    expect(copies.some((copy) => copy.startsWith('--from=prod-deps /app/node_modules'))).toBe(true);
    const prodDeps = dockerfileStages().stages.find((stage) => stage.name === 'prod-deps')!;
    expect(instructions(prodDeps, 'RUN').join(' ')).toContain('npm ci --omit=dev');
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
