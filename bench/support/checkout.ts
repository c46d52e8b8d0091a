import { execFileSync } from 'node:child_process';
import { access, mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startProcess } from '../../dev/processes.js';
import { ROOT } from '../../dev/stack.js';

// The code as committed at a git ref, for the benchmarks that run it beside this checkout
// (bench:ab, bench:staff).

/** The code as committed at `ref`, unpacked once into .data/bench/baseline-<sha>. */
export async function checkout(ref: string): Promise<{ sha: string; dir: string }> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  // It runs on this checkout's node_modules: every package it locked must be here at the same version.
  type Lock = { packages: Record<string, { version?: string }> };
  const then = (JSON.parse(git('show', `${sha}:package-lock.json`)) as Lock).packages;
  const now = (JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lock).packages;
  const differing = Object.keys(then).filter((name) => name !== '' && then[name]!.version !== now[name]?.version);
  if (differing.length > 0) {
    throw new Error(`${ref} (${sha.slice(0, 8)}) locked other versions of ${differing.slice(0, 5).join(', ')}${differing.length > 5 ? ', …' : ''}: its code cannot run on this checkout's node_modules`);
  }
  const dir = path.join(ROOT, '.data', 'bench', `baseline-${sha.slice(0, 12)}`);
  const unpacked = await access(path.join(dir, 'package.json')).then(() => true, () => false);
  if (!unpacked) {
    await mkdir(dir, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} | tar -x -C '${dir}'`], { cwd: ROOT });
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  }
  return { sha, dir };
}

/** A checkout's own workflow bundle, built by its own code (its workers/workflow-bundle.ts). */
export async function checkoutBundle(dir: string, out: string): Promise<string> {
  const entry = path.join(dir, 'workers', 'workflow-bundle.ts');
  const builder = startProcess({ name: 'baseline-bundle', command: process.execPath, args: ['--import', 'tsx', entry, out], cwd: dir, env: process.env, onLine: () => {} });
  const code = await builder.exited;
  if (code !== 0) throw new Error(`the baseline's workflow bundle failed to build (exit ${code})`);
  return out;
}

/**
 * A database set up by a checkout's own code (its cli/database-setup.ts, its migrations): the side
 * of a benchmark that runs that checkout needs the schema it was written for. This checkout's
 * migrations on a baseline from before one of them break the baseline's code (an
 * `ON CONFLICT` naming a key a later migration changed, a column it does not fill).
 */
export async function checkoutSetupDatabase(dir: string, adminUrl: string, databaseUrl: string): Promise<void> {
  const module = pathToFileURL(path.join(dir, 'cli', 'database-setup.ts')).href;
  const code = `const { setupDatabase } = await import(${JSON.stringify(module)}); await setupDatabase({ adminUrl: ${JSON.stringify(adminUrl)}, databaseUrl: ${JSON.stringify(databaseUrl)} });`;
  const lines: string[] = [];
  const setup = startProcess({ name: 'checkout-database-setup', command: process.execPath, args: ['--import', 'tsx', '--input-type=module', '-e', code], cwd: dir, env: process.env, onLine: (line) => lines.push(line) });
  const exit = await setup.exited;
  if (exit !== 0) throw new Error(`setting up ${databaseUrl} with the code in ${dir} failed (exit ${exit}):\n${lines.slice(-20).join('\n')}`);
}
