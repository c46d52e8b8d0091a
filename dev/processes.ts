import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  /** The environment it was started with. */
  env: NodeJS.ProcessEnv;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** kill -9: no chance to clean up, as in a crash. */
  kill(): Promise<void>;
  /** Starts the same command again, with the same environment and output (a supervisor's restart). */
  respawn(): ManagedProcess;
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives each output line (stdout and stderr); defaults to printing it prefixed with the name. */
  onLine?: (line: string) => void;
}

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];
let nextColor = 0;

export function prefixedPrinter(name: string, width = 15): (line: string) => void {
  const color = COLORS[nextColor++ % COLORS.length];
  const prefix = process.stdout.isTTY ? `\u001b[${color}m${name.padEnd(width)}|\u001b[0m ` : `${name.padEnd(width)}| `;
  return (line) => process.stdout.write(`${prefix}${line}\n`);
}

/** Every process started here that has not exited: what a launcher must stop, whoever started it. */
const live = new Set<ManagedProcess>();
export const liveProcesses = (): ManagedProcess[] => [...live];

/** Runs a child process with its output routed line by line, so several can share one terminal. */
export function startProcess(spec: ProcessSpec): ManagedProcess {
  const { name, command, args, env, cwd } = spec;
  // The printer is made once, so that a respawned process keeps its prefix and colour.
  const print = spec.onLine ?? prefixedPrinter(name);
  // Own process group: a Ctrl-C in the terminal reaches only us, and we stop children in order.
  const child = spawn(command, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream! }).on('line', print);

  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.on('error', (error) => {
      print(`failed to start: ${error.message}`);
      resolve(-1);
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;

  const managed: ManagedProcess = {
    name,
    child,
    env: env ?? process.env,
    exited,
    async stop(graceMs = 15_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
    respawn: () => startProcess({ ...spec, onLine: print }),
  };
  live.add(managed);
  void exited.then(() => live.delete(managed));
  return managed;
}

/**
 * Runs a TypeScript entry point with the tsx loader on the same Node as ours (or on `node`, a
 * runtime comparison's other Node), with `nodeArgs` (e.g. `--cpu-prof`, which Node refuses in NODE_OPTIONS).
 */
export function startTsProcess(spec: Omit<ProcessSpec, 'command' | 'args'> & { entry: string; nodeArgs?: string[]; node?: string }): ManagedProcess {
  return startProcess({ ...spec, command: spec.node ?? process.execPath, args: [...(spec.nodeArgs ?? []), '--import', 'tsx', spec.entry] });
}
