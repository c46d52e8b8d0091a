import { Counter, Gauge, Registry } from 'prom-client';
import type { ManagedProcess } from './processes.js';

/**
 * What `npm run up` does when one of its processes dies, as compose's `restart: unless-stopped`
 * and Kubernetes' restart policy do: start it again after a wait that doubles with each death in a
 * row (capped), and give up only on a process that keeps dying on start.
 */
export interface RestartPolicy {
  /** The wait before the first restart; it doubles with each further death in a row. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A run at least this long was healthy: the next death starts the doubling over (Kubernetes waits 10 minutes). */
  healthyRunMs: number;
  /** This many deaths within `windowMs` means it keeps dying: stop everything and say which. */
  maxDeaths: number;
  windowMs: number;
}

export const RESTART_POLICY: RestartPolicy = { initialBackoffMs: 500, maxBackoffMs: 30_000, healthyRunMs: 60_000, maxDeaths: 5, windowMs: 60_000 };

export interface Run {
  startedAt: number;
  diedAt: number;
}

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; deathsInWindow: number };

/** What to do after the last of `runs` (oldest first) ended. */
export function decideRestart(runs: Run[], policy: RestartPolicy = RESTART_POLICY): RestartDecision {
  const last = runs.at(-1)!;
  const deathsInWindow = runs.filter((run) => last.diedAt - run.diedAt < policy.windowMs).length;
  if (deathsInWindow >= policy.maxDeaths) return { restart: false, deathsInWindow };
  let inARow = 0;
  for (let i = runs.length - 1; i >= 0 && runs[i]!.diedAt - runs[i]!.startedAt < policy.healthyRunMs; i--) inARow++;
  const doublings = Math.max(0, inARow - 1);
  return { restart: true, delayMs: Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** doublings) };
}

/** How a process ended, as a person reads it: `exit code 1`, `signal SIGKILL`. */
export function howItEnded(managed: ManagedProcess): string {
  const { exitCode, signalCode } = managed.child;
  return signalCode ? `signal ${signalCode}` : `exit code ${exitCode ?? 'unknown'}`;
}

export interface SuperviseOptions {
  /** Runs after each restart, not awaited by the supervisor: resolves with a line to print once the process serves again (a Temporal node rejoined the ring, say). */
  recovered?: (process: ManagedProcess) => Promise<string>;
}

export interface GaveUp {
  name: string;
  deathsInWindow: number;
  ended: string;
}

interface Supervised {
  current: ManagedProcess;
  runs: Run[];
  startedAt: number;
  restarts: number;
  timer?: NodeJS.Timeout;
  options: SuperviseOptions;
}

/**
 * Keeps `up`'s processes running: each one watched, a death printed and followed by a restart
 * (ManagedProcess.respawn, the same command and environment) after the policy's backoff. It
 * counts restarts per process on a Prometheus registry, and `gaveUp` resolves when one keeps dying.
 */
export class Supervisor {
  readonly registry = new Registry();
  readonly gaveUp: Promise<GaveUp>;
  private giveUp!: (gaveUp: GaveUp) => void;
  private readonly processes = new Map<string, Supervised>();
  private stopping = false;
  private readonly restartsTotal = new Counter({ name: 'orderflow_supervisor_restarts_total', help: 'Restarts of a process of the development stack (npm run up) after it died', labelNames: ['process'], registers: [this.registry] });
  private readonly up = new Gauge({ name: 'orderflow_supervisor_process_up', help: '1 while the process runs, 0 while it waits to be restarted', labelNames: ['process'], registers: [this.registry] });

  constructor(
    private readonly say: (line: string) => void,
    private readonly policy: RestartPolicy = RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {
    this.gaveUp = new Promise((resolve) => (this.giveUp = resolve));
  }

  /** Watches a process that is already running; once halted, stops it instead (it started while `up` was stopping). */
  supervise(managed: ManagedProcess, options: SuperviseOptions = {}): void {
    if (this.stopping) return void managed.stop();
    if (this.processes.has(managed.name)) throw new Error(`${managed.name} is supervised already`);
    const entry: Supervised = { current: managed, runs: [], startedAt: this.now(), restarts: 0, options };
    this.processes.set(managed.name, entry);
    this.restartsTotal.inc({ process: managed.name }, 0);
    this.watch(entry);
  }

  /** The running process of each name, in the order they were supervised. */
  current(): ManagedProcess[] {
    return [...this.processes.values()].map(({ current }) => current);
  }

  /** No more restarts (Ctrl-C, or giving up): pending ones are called off. */
  halt(): void {
    this.stopping = true;
    for (const entry of this.processes.values()) clearTimeout(entry.timer);
  }

  private watch(entry: Supervised): void {
    const { current: managed } = entry;
    this.up.set({ process: managed.name }, 1);
    void managed.exited.then(() => {
      if (this.stopping || entry.current !== managed) return;
      this.up.set({ process: managed.name }, 0);
      const diedAt = this.now();
      // Enough history for the policy (the deaths of a window; the doublings up to the cap), no more.
      entry.runs = [...entry.runs, { startedAt: entry.startedAt, diedAt }].slice(-16);
      const ended = howItEnded(managed);
      const decision = decideRestart(entry.runs, this.policy);
      if (!decision.restart) {
        this.say(`${managed.name} died (${ended}); ${decision.deathsInWindow} deaths within ${this.policy.windowMs / 1000} s: giving up`);
        this.halt();
        this.giveUp({ name: managed.name, deathsInWindow: decision.deathsInWindow, ended });
        return;
      }
      this.say(`${managed.name} died (${ended}); restart ${entry.restarts + 1} in ${(decision.delayMs / 1000).toFixed(1)} s`);
      entry.timer = setTimeout(() => this.restart(entry), decision.delayMs);
    });
  }

  private restart(entry: Supervised): void {
    if (this.stopping) return;
    const died = entry.runs.at(-1)!.diedAt;
    entry.current = entry.current.respawn();
    entry.startedAt = this.now();
    entry.restarts += 1;
    this.restartsTotal.inc({ process: entry.current.name });
    this.say(`${entry.current.name} restarted (restart ${entry.restarts}, pid ${entry.current.child.pid ?? '?'})`);
    this.watch(entry);
    const restarted = entry.current;
    entry.options.recovered?.(restarted).then(
      (line) => entry.current === restarted && !this.stopping && this.say(`${restarted.name} ${line} (${((this.now() - died) / 1000).toFixed(1)} s after it died)`),
      (error: unknown) => entry.current === restarted && !this.stopping && this.say(`${restarted.name} restarted but not recovered: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}
