import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPOSE_GO_VERSION, KUSTOMIZE_VERSION } from './deploy-tool-versions.js';
import { TEMPORAL_CLI_VERSION, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './temporal-versions.js';
import { STRIPE_MOCK_VERSION } from './test-tool-versions.js';

/** A package path with @version, whose binary keeps the name `go install` gives it; or one installed under another name. */
export type GoPackage = string | { module: string; binary: string };

/** A set of binaries built together by one `go install` into one cache folder. */
export interface GoTool {
  title: string;
  /** Folder name under ~/.cache/orderflow. */
  cacheName: string;
  packages: GoPackage[];
  /** Environment variable that points at a prebuilt copy of the first binary instead. */
  overrideVariable?: string;
  minutes: string;
}

export const TEMPORAL_CLI: GoTool = {
  title: `Temporal CLI v${TEMPORAL_CLI_VERSION}`,
  cacheName: `temporal-cli-${TEMPORAL_CLI_VERSION}`,
  packages: [`github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`],
  overrideVariable: 'TEMPORAL_CLI_PATH',
  minutes: 'a few minutes',
};

/** The full server and its schema tool (cluster mode). */
export const TEMPORAL_SERVER: GoTool = {
  title: `Temporal server v${TEMPORAL_SERVER_VERSION} and its SQL schema tool`,
  cacheName: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
  packages: [`go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`],
  minutes: 'about 7 minutes on two cores',
};

/** The Web UI's server (cluster mode). */
export const TEMPORAL_UI_SERVER: GoTool = {
  title: `Temporal Web UI server v${TEMPORAL_UI_VERSION}`,
  cacheName: `temporal-ui-server-${TEMPORAL_UI_VERSION}`,
  packages: [`github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`],
  minutes: 'a minute or two',
};

/** Renders the deployment's Kubernetes manifests (deploy/k8s) as `kubectl apply -k` does. */
export const KUSTOMIZE: GoTool = {
  title: `kustomize v${KUSTOMIZE_VERSION}`,
  cacheName: `kustomize-${KUSTOMIZE_VERSION}`,
  packages: [`sigs.k8s.io/kustomize/kustomize/v5@v${KUSTOMIZE_VERSION}`],
  minutes: 'two or three minutes',
};

/** Loads the compose files as Docker Compose does (schema, interpolation, merge, normalisation, consistency). */
export const COMPOSE_SPEC: GoTool = {
  title: `compose-go v${COMPOSE_GO_VERSION}'s compose-spec`,
  cacheName: `compose-spec-${COMPOSE_GO_VERSION}`,
  // Its main package is …/cmd, which `go install` names `cmd`.
  packages: [{ module: `github.com/compose-spec/compose-go/v2/cmd@v${COMPOSE_GO_VERSION}`, binary: 'compose-spec' }],
  minutes: 'a minute or two',
};

/** Stripe's API as its OpenAPI spec describes it, on loopback: the Stripe provider's integration suite. */
export const STRIPE_MOCK: GoTool = {
  title: `stripe-mock v${STRIPE_MOCK_VERSION}`,
  cacheName: `stripe-mock-${STRIPE_MOCK_VERSION}`,
  packages: [`github.com/stripe/stripe-mock@v${STRIPE_MOCK_VERSION}`],
  minutes: 'a minute or two',
};

const modulePath = (pkg: GoPackage) => (typeof pkg === 'string' ? pkg : pkg.module);
/** The name `go install` gives the binary: the package's last path element, or the one before a major-version suffix (…/kustomize/v5). */
function builtName(pkg: GoPackage): string {
  const elements = modulePath(pkg).split('@')[0]!.split('/');
  return /^v\d+$/.test(elements.at(-1)!) ? elements.at(-2)! : elements.at(-1)!;
}
/** The name it has in the cache. */
const binaryName = (pkg: GoPackage) => (typeof pkg === 'string' ? builtName(pkg) : pkg.binary);

const cacheDir = (tool: GoTool) => path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'orderflow', tool.cacheName);

export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The cached binaries of a tool, by name, if all of them are built. */
export function findGoTool(tool: GoTool): Record<string, string> | undefined {
  const dir = cacheDir(tool);
  const binaries = Object.fromEntries(tool.packages.map((pkg) => [binaryName(pkg), path.join(dir, binaryName(pkg))]));
  return Object.values(binaries).every((file) => existsSync(file)) ? binaries : undefined;
}

const goMissing = (tool: GoTool) => `Go is needed once, to build the ${tool.title} from Go modules, and was not found.
Install Go 1.25 or newer (https://go.dev/doc/install, or your package manager: apt-get install golang-go)${tool.overrideVariable ? `,\nor point ${tool.overrideVariable} at an existing binary` : ''}.`;

/**
 * Returns the tool's binaries, building them into the user-level cache with `go install` the
 * first time. Later runs, and CI on the same machine, reuse them.
 */
export async function ensureGoTool(tool: GoTool, log: (line: string) => void = console.log): Promise<Record<string, string>> {
  const found = findGoTool(tool);
  if (found) return found;

  const go = onPath('go') ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((candidate) => existsSync(candidate));
  if (!go) throw new Error(goMissing(tool));

  const target = cacheDir(tool);
  await mkdir(path.dirname(target), { recursive: true });
  // Build into a scratch GOBIN and rename, so that two concurrent first runs cannot see half a binary.
  const scratch = await mkdtemp(`${target}.building-`);
  log(`Building ${tool.title} with ${go} (first run only; ${tool.minutes})...`);
  const started = Date.now();
  const ticker = setInterval(() => log(`  ...still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', ...tool.packages.map(modulePath)], { env: { ...process.env, GOBIN: scratch }, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${tool.packages.map(modulePath).join(' ')} exited with ${code}`))));
    });
    await mkdir(target, { recursive: true });
    for (const pkg of tool.packages) await rename(path.join(scratch, builtName(pkg)), path.join(target, binaryName(pkg)));
  } finally {
    clearInterval(ticker);
    await rm(scratch, { recursive: true, force: true });
  }
  log(`${tool.title} built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return findGoTool(tool)!;
}

/**
 * Everything a full test run needs: the CLI (dev server), the deployment files' consumers
 * (kustomize, compose-spec), stripe-mock (the Stripe provider's suite), and the server, schema
 * tool and Web UI server (cluster mode).
 */
export const ALL_GO_TOOLS = [TEMPORAL_CLI, KUSTOMIZE, COMPOSE_SPEC, STRIPE_MOCK, TEMPORAL_SERVER, TEMPORAL_UI_SERVER];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    // One after the other: on two cores, parallel `go install`s only fight over the CPU.
    for (const tool of ALL_GO_TOOLS) await ensureGoTool(tool);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
