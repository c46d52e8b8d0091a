import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ManagedProcess } from './processes.js';
import { decideRestart, RESTART_POLICY, Supervisor, type Run } from './supervisor.js';

/** Runs that each died `runMs` after starting, restarted right away: `count` of them from t = 0. */
function runsOf(count: number, runMs: number, gapMs = 0): Run[] {
  const runs: Run[] = [];
  let t = 0;
  for (let i = 0; i < count; i++) {
    runs.push({ startedAt: t, diedAt: t + runMs });
    t += runMs + gapMs;
  }
  return runs;
}

describe('decideRestart', () => {
  it('waits half a second after a first death, doubling with each quick death in a row', () => {
    expect(decideRestart(runsOf(1, 1_000))).toEqual({ restart: true, delayMs: 500 });
    expect(decideRestart(runsOf(2, 1_000, 500))).toEqual({ restart: true, delayMs: 1_000 });
    expect(decideRestart(runsOf(4, 1_000, 500))).toEqual({ restart: true, delayMs: 4_000 });
  });

  it('starts the doubling over after a healthy run', () => {
    const runs = [...runsOf(3, 1_000, 500), { startedAt: 100_000, diedAt: 100_000 + RESTART_POLICY.healthyRunMs }];
    expect(decideRestart(runs)).toEqual({ restart: true, delayMs: 500 });
  });

  it('caps the wait', () => {
    // A process that dies 20 s after each start: never five deaths within a minute, never a
    // healthy minute either; the eighth death in a row would double past the cap.
    const runs: Run[] = [];
    for (let i = 0, t = 0; i < 8; i++) {
      runs.push({ startedAt: t, diedAt: t + 20_000 });
      const next = decideRestart(runs);
      if (!next.restart) throw new Error(`gave up after ${i + 1} deaths`);
      t += 20_000 + next.delayMs;
    }
    expect(runs.slice(1).map((run, i) => run.startedAt - runs[i]!.diedAt)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    expect(decideRestart(runs)).toEqual({ restart: true, delayMs: RESTART_POLICY.maxBackoffMs });
  });

  it('gives up on the fifth death within a minute, and only then', () => {
    expect(decideRestart(runsOf(4, 2_000, 1_000))).toMatchObject({ restart: true });
    expect(decideRestart(runsOf(5, 2_000, 1_000))).toEqual({ restart: false, deathsInWindow: 5 });
    // Five deaths spread over more than a minute: still restarted.
    expect(decideRestart(runsOf(5, 15_000, 1_000))).toMatchObject({ restart: true });
  });
});

/** A process whose death the test decides. */
class FakeProcess {
  static started: FakeProcess[] = [];
  private static nextPid = 100;
  readonly child = { pid: FakeProcess.nextPid++, exitCode: null as number | null, signalCode: null as NodeJS.Signals | null };
  private end!: (code: number | null) => void;
  readonly exited = new Promise<number | null>((resolve) => (this.end = resolve));
  constructor(readonly name: string) {
    FakeProcess.started.push(this);
  }
  die(how: { code: number } | { signal: NodeJS.Signals }) {
    if ('code' in how) this.child.exitCode = how.code;
    else this.child.signalCode = how.signal;
    this.end('code' in how ? how.code : null);
  }
  asManaged(): ManagedProcess {
    const managed = {
      name: this.name,
      child: this.child as unknown as ChildProcess,
      env: {},
      exited: this.exited,
      stop: async () => {},
      kill: async () => {},
      respawn: () => new FakeProcess(this.name).asManaged(),
    };
    return managed;
  }
}

describe('Supervisor', () => {
  let lines: string[];
  let supervisor: Supervisor;
  const lastStarted = () => FakeProcess.started.at(-1)!;
  const metric = async (name: string) => (await supervisor.registry.getSingleMetricAsString(name)).split('\n').filter((line) => !line.startsWith('#'));

  beforeEach(() => {
    vi.useFakeTimers();
    FakeProcess.started = [];
    lines = [];
    supervisor = new Supervisor((line) => lines.push(line));
  });
  afterEach(() => vi.useRealTimers());

  it('restarts a process that died, in one line for the death and one for the restart, and counts it', async () => {
    supervisor.supervise(new FakeProcess('order-1').asManaged());
    const first = lastStarted();
    first.die({ signal: 'SIGKILL' });
    await vi.advanceTimersByTimeAsync(0);
    expect(lines).toEqual(['order-1 died (signal SIGKILL); restart 1 in 0.5 s']);
    expect(await metric('orderflow_supervisor_process_up')).toEqual(['orderflow_supervisor_process_up{process="order-1"} 0']);

    await vi.advanceTimersByTimeAsync(500);
    const second = lastStarted();
    expect(second).not.toBe(first);
    expect(lines[1]).toBe(`order-1 restarted (restart 1, pid ${second.child.pid})`);
    expect(supervisor.current().map((p) => p.child.pid)).toEqual([second.child.pid]);
    expect(await metric('orderflow_supervisor_restarts_total')).toEqual(['orderflow_supervisor_restarts_total{process="order-1"} 1']);
    expect(await metric('orderflow_supervisor_process_up')).toEqual(['orderflow_supervisor_process_up{process="order-1"} 1']);
  });

  it('tells when a restarted process has recovered, with the time since it died', async () => {
    supervisor.supervise(new FakeProcess('temporal-1').asManaged(), { recovered: async () => 'rejoined the ring' });
    lastStarted().die({ signal: 'SIGKILL' });
    await vi.advanceTimersByTimeAsync(500);
    expect(lines.at(-1)).toBe('temporal-1 rejoined the ring (0.5 s after it died)');
  });

  it('gives up on a process that keeps dying on start, naming it, and restarts nothing after that', async () => {
    supervisor.supervise(new FakeProcess('api').asManaged());
    supervisor.supervise(new FakeProcess('notification-1').asManaged());
    const gaveUp = vi.fn();
    void supervisor.gaveUp.then(gaveUp);
    for (let death = 1; death <= 5; death++) {
      lastStarted().die({ code: 1 });
      await vi.advanceTimersByTimeAsync(8_000);
    }
    expect(gaveUp).toHaveBeenCalledWith({ name: 'notification-1', deathsInWindow: 5, ended: 'exit code 1' });
    expect(lines.at(-1)).toBe('notification-1 died (exit code 1); 5 deaths within 60 s: giving up');
    expect(lines.filter((line) => line.includes('restarted'))).toHaveLength(4);

    const started = FakeProcess.started.length;
    FakeProcess.started[0]!.die({ code: 1 }); // the API, after the supervisor gave up
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeProcess.started).toHaveLength(started);
  });

  it('refuses a second process of the same name', () => {
    supervisor.supervise(new FakeProcess('api').asManaged());
    expect(() => supervisor.supervise(new FakeProcess('api').asManaged())).toThrow('api is supervised already');
  });

  it('restarts nothing once halted (Ctrl-C), not even a restart already scheduled', async () => {
    supervisor.supervise(new FakeProcess('product-1').asManaged());
    lastStarted().die({ code: 1 });
    await vi.advanceTimersByTimeAsync(0);
    supervisor.halt();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeProcess.started).toHaveLength(1);
  });
});
