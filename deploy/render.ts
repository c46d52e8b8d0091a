import { execFile } from 'node:child_process';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { COMPOSE_SPEC, findGoTool, KUSTOMIZE, type GoTool } from '../dev/go-binaries.js';
import { ROOT } from '../dev/stack.js';

/*
 * The deployment files as their consumers read them: deploy/k8s rendered by `kustomize build`
 * (what `kubectl apply -k` applies), the compose files loaded by compose-go's compose-spec (the
 * loader of Docker Compose: schema, interpolation, includes, merge keys, normalisation,
 * consistency). A file that either tool refuses fails with the tool's own message.
 */

export type Env = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// Kubernetes objects, as rendered

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; emptyDir?: object; configMap?: { name: string }; secret?: { secretName: string } }[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  automountServiceAccountToken?: boolean;
}
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
    selector?: Record<string, string> & { matchLabels?: Record<string, string> };
    ports?: { name?: string; port: number; targetPort: string | number }[];
    minAvailable?: number;
  };
}

// ---------------------------------------------------------------------------------------------
// The compose model, as compose-spec prints it (normalised: long syntax everywhere, paths absolute)

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | null>;
  ports?: { host_ip?: string; target: number; published?: string; protocol: string }[];
  expose?: string[];
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  read_only?: boolean;
  tmpfs?: string[];
}
export interface ComposeModel {
  services: Record<string, ComposeService>;
}

// ---------------------------------------------------------------------------------------------

const run = promisify(execFile);

function binary(tool: GoTool, name: string): string {
  const found = findGoTool(tool)?.[name];
  if (!found) throw new Error(`${tool.title} is not built: \`npm test\` builds it first, or \`bash dev/node.sh npx tsx dev/go-binaries.ts\`.`);
  return found;
}

/** Runs a tool with an empty environment (nothing of the caller's shell leaks in); its stderr is the error. */
async function tool(file: string, args: string[], cwd: string, what = `${path.basename(file)} ${args.join(' ')}`): Promise<string> {
  try {
    return (await run(file, args, { cwd, env: {}, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${what} failed:\n${stderr?.trim() || (error as Error).message}`);
  }
}

async function inScratchDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orderflow-deploy-')));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function yamlStream(text: string, what: string): K8sObject[] {
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(`${what}: ${document.errors.map((error) => error.message).join('; ')}`);
    return document.toJS() as K8sObject;
  });
}

/** `kustomize build deploy/k8s`: every object `kubectl apply -k deploy/k8s` would apply. */
export async function kustomizeBuild(dir = 'deploy/k8s'): Promise<K8sObject[]> {
  return yamlStream(await tool(binary(KUSTOMIZE, 'kustomize'), ['build', dir], ROOT), `kustomize build ${dir}`);
}

/**
 * The files of a kustomization that kustomize read a resource from, through an overlay that asks
 * for origin annotations (kustomize loads a base only by a relative path).
 */
export async function kustomizeOrigins(dir = 'deploy/k8s'): Promise<Set<string>> {
  return inScratchDir(async (overlay) => {
    const base = path.relative(overlay, await realpath(path.join(ROOT, dir)));
    await writeFile(path.join(overlay, 'kustomization.yaml'), JSON.stringify({ resources: [base], buildMetadata: ['originAnnotations'] }));
    const what = `kustomize build ${dir} (in an overlay, for its origins)`;
    const objects = yamlStream(await tool(binary(KUSTOMIZE, 'kustomize'), ['build', overlay], overlay, what), what);
    const origins = new Set<string>();
    for (const object of objects) {
      const origin = parse(object.metadata.annotations?.['config.kubernetes.io/origin'] ?? '{}') as { path?: string };
      if (origin.path) origins.add(path.relative(ROOT, path.resolve(overlay, origin.path)));
    }
    return origins;
  });
}

/**
 * A compose file loaded by compose-spec with these variables set. The tool takes no variables
 * from its environment (its LoadModel drops them), so the file is loaded as an `include` with an
 * `env_file`, which compose-go interpolates the included file (and what it includes) with.
 */
async function composeModel(file: string, variables: Env): Promise<ComposeModel> {
  return inScratchDir(async (dir) => {
    const lines = Object.entries(variables).map(([name, value]) => {
      if (value.includes("'") || value.includes('\n')) throw new Error(`${name}: a sample value cannot hold a quote or a newline`);
      return `${name}='${value}'`;
    });
    await writeFile(path.join(dir, 'variables.env'), `${lines.join('\n')}\n`);
    await writeFile(path.join(dir, 'compose.yaml'), JSON.stringify({ include: [{ path: path.join(ROOT, file), project_directory: ROOT, env_file: path.join(dir, 'variables.env') }] }));
    const what = `compose-spec ${file} (${lines.length} variables set)`;
    return JSON.parse(await tool(binary(COMPOSE_SPEC, 'compose-spec'), ['--format', 'json', 'compose.yaml'], dir, what)) as ComposeModel;
  });
}

/**
 * A compose file as `docker compose` loads it, with `given` set and a sample value for each
 * variable the file requires (`${VAR:?…}`): the tool names those that are missing, they get a
 * sample and it loads again. Returns the model and the required variables' samples.
 */
export async function renderCompose(file: string, sample: (name: string) => string, given: Env = {}): Promise<{ model: ComposeModel; required: Env }> {
  const required: Env = {};
  for (;;) {
    try {
      return { model: await composeModel(file, { ...given, ...required }), required };
    } catch (error) {
      const missing = [...(error as Error).message.matchAll(/required variable (\w+) is missing a value/g)].map((match) => match[1]!).filter((name) => !(name in required) && !(name in given));
      if (missing.length === 0) throw error;
      for (const name of missing) required[name] = sample(name);
    }
  }
}
