import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux almost everywhere). */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (user + system) in a /proc stat file so far; undefined once it is gone. */
function statCpuSeconds(file: string): number | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far; undefined once it is gone. */
export const cpuSeconds = (pid: number) => statCpuSeconds(`/proc/${pid}/stat`);

/** The same for one thread of a process (/proc/<tid>/stat would answer for the whole process). */
export const threadCpuSeconds = (pid: number, tid: number) => statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);

/** CPU seconds the whole machine has been busy so far, all cores together (/proc/stat: every state but idle and iowait). */
export function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return [user, nice, system, irq, softirq, steal].reduce((sum: number, ticks) => sum + (ticks ?? 0), 0) / TICKS;
}

/** The threads of a process (/proc/<pid>/task), with their names; empty once it is gone. */
export function threadsOf(pid: number): Array<{ tid: number; name: string }> {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => ({ tid: Number(tid), name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() }));
  } catch {
    return [];
  }
}

/** Every process whose command name is `name` (PostgreSQL's backends: `postgres`). */
export function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** One process's threads, by thread id. */
export interface ThreadGroup {
  pid: number;
  tids: () => number[];
}

/** Named groups of processes, `{ temporal: [pid], api: [pid], postgres: () => pids, ... }`, or of one process's threads. */
export type ProcessGroups = Record<string, number[] | (() => number[]) | ThreadGroup>;

/** CPU seconds so far by group, then by process (or thread) id. */
export type CpuSample = Record<string, Map<number, number>>;

export function sampleCpu(groups: ProcessGroups): CpuSample {
  const sample: CpuSample = {};
  for (const [name, group] of Object.entries(groups)) {
    if ('tids' in group) {
      sample[name] = new Map(group.tids().map((tid) => [tid, threadCpuSeconds(group.pid, tid) ?? 0]));
      continue;
    }
    const list = typeof group === 'function' ? group() : group;
    // A process gone between listing and reading is left out (as 0 it would make the next minute negative).
    sample[name] = new Map(list.flatMap((pid) => {
      const seconds = cpuSeconds(pid);
      return seconds === undefined ? [] : [[pid, seconds] as const];
    }));
  }
  return sample;
}

/** CPU seconds each group used between two samples (processes present in both; a new PostgreSQL backend counts from zero). */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, pids]) => [name, [...pids].reduce((sum, [pid, seconds]) => sum + Math.max(0, seconds - (before[name]?.get(pid) ?? 0)), 0)]),
  );
}
