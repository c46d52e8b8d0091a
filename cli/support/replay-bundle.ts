import { statSync } from 'node:fs';
import { readFile, rename, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAILURE_CONVERTER_PATH } from '../../common/payload-codec.js';
import { buildWorkflowBundle, WORKFLOWS_ENTRY } from '../../workers/workflow-bundle.js';
import { withStatus } from './progress.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where replay keeps its bundle between runs (REPLAY_BUNDLE_PATH overrides it). */
export const defaultReplayBundlePath = () => path.resolve(ROOT, process.env.REPLAY_BUNDLE_PATH ?? '.data/replay/workflow-bundle.js');

const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The workflow entry and every file it imports, transitively (relative imports; `.js` names resolve to `.ts`). */
export async function workflowSourceFiles(entry = WORKFLOWS_ENTRY): Promise<string[]> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    for (const [, specifier] of source.matchAll(RELATIVE_IMPORT)) {
      const resolved = path.resolve(path.dirname(file), specifier!);
      const candidates = [resolved.replace(/\.js$/, '.ts'), resolved, `${resolved}.ts`, path.join(resolved, 'index.ts')];
      const found = candidates.find((candidate) => statSync(candidate, { throwIfNoEntry: false })?.isFile());
      if (found) pending.push(found);
    }
  }
  return [...seen];
}

/** What a bundle depends on besides the workflow sources: the failure converter, the bundler settings, the SDK's version. */
const BUILD_INPUTS = [FAILURE_CONVERTER_PATH, fileURLToPath(new URL('../../workers/workflow-bundle.ts', import.meta.url)), path.join(ROOT, 'package-lock.json')];

const mtime = async (file: string) => (await stat(file).catch(() => undefined))?.mtimeMs;

/**
 * The workflow bundle for replay: reused while it is newer than every file it was built from,
 * else rebuilt (4-5 s) with a status line. The file is written aside and renamed, and dated from
 * the start of the build, so that a source saved during a build makes the next run rebuild.
 */
export async function replayBundle(bundlePath = defaultReplayBundlePath()): Promise<string> {
  const built = await mtime(bundlePath);
  if (built !== undefined) {
    const inputs = [...(await workflowSourceFiles()), ...BUILD_INPUTS];
    const newest = Math.max(...(await Promise.all(inputs.map(async (file) => (await mtime(file)) ?? 0))));
    if (newest <= built) return bundlePath;
  }
  const started = new Date();
  const scratch = `${bundlePath}.${process.pid}.tmp`;
  await withStatus(`Bundling the workflow code into ${displayPath(bundlePath)}`, () => buildWorkflowBundle(scratch));
  await utimes(scratch, started, started);
  await rename(scratch, bundlePath);
  return bundlePath;
}

const displayPath = (file: string) => {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
};
