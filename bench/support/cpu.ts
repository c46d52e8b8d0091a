import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux almost everywhere). */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (user + system) a process has used so far; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
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

/** Named groups of processes: `{ temporal: [pid], api: [pid], postgres: () => pids, ... }`. */
export type ProcessGroups = Record<string, number[] | (() => number[])>;

export type CpuSample = Record<string, Map<number, number>>;

export function sampleCpu(groups: ProcessGroups): CpuSample {
  const sample: CpuSample = {};
  for (const [name, pids] of Object.entries(groups)) {
    const list = typeof pids === 'function' ? pids() : pids;
    sample[name] = new Map(list.map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  }
  return sample;
}

/** CPU seconds each group used between two samples (processes present in both; a new PostgreSQL backend counts from zero). */
export function cpuBetween(before: CpuSample, after: CpuSample): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after).map(([name, pids]) => [name, [...pids].reduce((sum, [pid, seconds]) => sum + seconds - (before[name]?.get(pid) ?? 0), 0)]),
  );
}
