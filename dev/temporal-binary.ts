import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned: later tags carry a `replace` directive that `go install` refuses. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

const cacheDir = () =>
  path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'orderflow', `temporal-cli-${TEMPORAL_CLI_VERSION}`);

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** TEMPORAL_CLI_PATH, then `temporal` on PATH, then our user-level cache. */
export function findTemporalBinary(): string | undefined {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`TEMPORAL_CLI_PATH=${override} does not exist`);
    return override;
  }
  const cached = path.join(cacheDir(), 'temporal');
  return onPath('temporal') ?? (existsSync(cached) ? cached : undefined);
}

const goMissing = `Go is needed once, to build the Temporal CLI dev server from Go modules, and was not found.
Install Go 1.23 or newer (https://go.dev/doc/install, or your package manager: apt-get install golang-go),
or point TEMPORAL_CLI_PATH at an existing 'temporal' binary.
With Docker you can instead run: docker compose -f docker-compose.temporal.yml up
(and start the app with TEMPORAL_ADDRESS=127.0.0.1:7233).`;

/**
 * Returns a usable `temporal` binary, building it into the user-level cache with
 * `go install` the first time (a few minutes). Later runs, and CI on the same machine, reuse it.
 */
export async function ensureTemporalBinary(log: (line: string) => void = console.log): Promise<string> {
  const found = findTemporalBinary();
  if (found) return found;

  const go = onPath('go') ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((candidate) => existsSync(candidate));
  if (!go) throw new Error(goMissing);

  const target = cacheDir();
  await mkdir(path.dirname(target), { recursive: true });
  // Build into a scratch GOBIN and rename, so that two concurrent first runs cannot see half a binary.
  const scratch = await mkdtemp(`${target}.building-`);
  log(`Building Temporal CLI v${TEMPORAL_CLI_VERSION} with ${go} (first run only; takes a few minutes)...`);
  const started = Date.now();
  const ticker = setInterval(() => log(`  ...still building (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(go, ['install', MODULE], { env: { ...process.env, GOBIN: scratch }, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${MODULE} exited with ${code}`))));
    });
    await mkdir(target, { recursive: true });
    await rename(path.join(scratch, 'temporal'), path.join(target, 'temporal'));
  } finally {
    clearInterval(ticker);
    await rm(scratch, { recursive: true, force: true });
  }
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${path.join(target, 'temporal')}`);
  return path.join(target, 'temporal');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(await ensureTemporalBinary());
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
