import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { replayBundle, workflowSourceFiles } from './replay-bundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const relative = (files: string[]) => files.map((file) => path.relative(ROOT, file).split(path.sep).join('/'));

describe('the replay bundle', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('knows the files it is built from: the workflows and what they import, not their tests', async () => {
    const files = relative(await workflowSourceFiles());
    expect(files).toEqual(expect.arrayContaining(['workflows/index.ts', 'workflows/place-order.ts', 'workflows/catalog.ts', 'common/outcome.ts', 'activities/order/contract.ts']));
    expect(files.filter((file) => file.endsWith('.test.ts'))).toEqual([]);
  });

  it('rebuilds a bundle older than its sources, then reuses it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-bundle-'));
    dirs.push(dir);
    const bundle = path.join(dir, 'workflow-bundle.js');
    await writeFile(bundle, '// stale');
    await utimes(bundle, new Date(0), new Date(0));

    await replayBundle(bundle);
    expect(await readFile(bundle, 'utf8')).not.toBe('// stale');
    const built = (await stat(bundle)).mtimeMs;
    expect(built).toBeGreaterThan(0);

    await replayBundle(bundle);
    expect((await stat(bundle)).mtimeMs).toBe(built);
  });
});
