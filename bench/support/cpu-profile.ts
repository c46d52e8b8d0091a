import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The parts of V8's `.cpuprofile` (written by `node --cpu-prof`) that a summary needs. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  /** Microseconds on the monotonic clock that `process.hrtime` reads in every process of this machine. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of the monotonic clock, in microseconds (`process.hrtime.bigint() / 1000n`). */
export interface Window {
  fromUs: number;
  toUs: number;
}

export interface Ranked {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Milliseconds of samples that were not idle. */
  busyMs: number;
  /** Self time by where the code lives (a package, Node's internals, GC, or one of our files), largest first. */
  selfByOwner: Ranked[];
  /** Time with the owner anywhere on the stack: what a package costs with everything it calls. */
  totalByOwner: Ranked[];
  /** Self time by function, largest first. */
  selfByFunction: Ranked[];
}

/**
 * Who a frame belongs to: the npm package (`kysely`, `@temporalio/worker`), `node:` for Node's own
 * JavaScript, V8's pseudo-frames (`(garbage collector)`, `(program)`), or the project file.
 */
export function ownerOf(url: string, functionName: string, root: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = file.slice(modules + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? file);
  }
  return path.relative(root, file) || file;
}

const ranked = (map: Map<string, number>, busyUs: number, top: number): Ranked[] =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: us / 1000, share: us / busyUs }));

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);

/** Self and total time of the samples inside `window` (all of them without one: start-up included). */
export function summarise(profile: CpuProfile, root: string, top = 12, window?: Window): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const selfByOwner = new Map<string, number>();
  const totalByOwner = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  let busyUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    at += us;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    if (!frame || frame.functionName === '(idle)') return;
    busyUs += us;
    const owner = ownerOf(frame.url, frame.functionName, root);
    add(selfByOwner, owner, us);
    add(selfByFunction, `${frame.functionName || '(anonymous)'} ${owner}${frame.url ? `:${frame.lineNumber + 1}` : ''}`, us);
    const onStack = new Set<string>();
    for (let node: number | undefined = id; node !== undefined; node = parents.get(node)) {
      const { url, functionName } = nodes.get(node)!;
      if (functionName !== '(root)') onStack.add(ownerOf(url, functionName, root));
    }
    for (const name of onStack) add(totalByOwner, name, us);
  });
  return {
    busyMs: busyUs / 1000,
    selfByOwner: ranked(selfByOwner, busyUs, top),
    totalByOwner: ranked(totalByOwner, busyUs, top),
    selfByFunction: ranked(selfByFunction, busyUs, top),
  };
}

export async function summariseFile(file: string, root: string, top?: number, window?: Window): Promise<ProfileSummary> {
  return summarise(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, root, top, window);
}
