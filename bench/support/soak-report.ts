import os from 'node:os';
import { cpuBetween } from './cpu.js';
import type { HttpError, SoakOrder } from './soak-clients.js';
import { BENCH_CLIENT, ORDER_WORKER_THREADS, POSTGRES_ALL, TEMPORAL_POSTGRES, type Sample } from './soak-sampler.js';
import { percentile } from './stats.js';

const MINUTE = 60_000;
const MiB = 2 ** 20;

export interface MinuteRow {
  /** 1-based: minute 1 is the first minute of sending. */
  minute: number;
  sent: number;
  /** Orders CONFIRMED in this minute, per second. */
  confirmedPerSecond: number;
  /** Send to CONFIRMED of the orders sent in this minute, seconds. */
  p50: number;
  p95: number;
  p99: number;
  httpErrors: Record<string, number>;
  /** RSS: the median of the minute's samples, MiB (one sample caught mid-GC does not make a trend). */
  rssMiB: Record<string, number>;
  /** The order worker's V8 heap in use, the median of the minute's samples, MiB. */
  orderWorkerHeapMiB: number;
  /** At the minute's last sample, count; CPU as a share of one core over the minute, %. */
  fds: Record<string, number>;
  cpuPercent: Record<string, number>;
  /** The order worker's workflow thread (the busiest of its worker threads over the run), % of one core. */
  workflowThreadCpuPercent: number;
  /** The whole machine's busy CPU over the minute, % of one core (200 is two cores flat out). */
  machineCpuPercent: number;
  /** What autovacuum was seen working on in the minute's samples. */
  autovacuum: string[];
  postgresConnections: number;
  cachedWorkflows: number;
  temporalCachedWorkflows: number;
  storageMiB: { postgres: number; temporal: number; temporalWal: number };
}

export interface Criterion {
  name: string;
  /** Undefined when the run is too short for it to apply. */
  pass: boolean | undefined;
  detail: string;
}

const medianRss = (samples: Sample[], name: string) => percentile(samples.map((sample) => sample.rssBytes[name]!), 0.5);

const latencySeconds = (orders: SoakOrder[]) => orders.flatMap((order) => (order.confirmedAt === undefined ? [] : [(order.confirmedAt - order.sentAt) / 1000]));

/** One row per minute of sending (and of draining, if orders were still being decided after it). */
export function minuteRows(start: number, orders: SoakOrder[], errors: HttpError[], samples: Sample[]): MinuteRow[] {
  const last = Math.max(...samples.map((sample) => sample.at), ...orders.map((order) => order.confirmedAt ?? order.sentAt));
  const minutes = Math.max(1, Math.ceil((last - start) / MINUTE));
  const inMinute = (at: number, m: number) => at >= start + m * MINUTE && at < start + (m + 1) * MINUTE;
  const jsThreads = (sample: Sample) => sample.cpu[ORDER_WORKER_THREADS.js] ?? new Map<number, number>();
  const workflowThread = [...jsThreads(samples.at(-1)!)].sort((a, b) => b[1] - a[1])[0]?.[0];
  const workflowThreadSeconds = (sample: Sample) => (workflowThread === undefined ? NaN : (jsThreads(sample).get(workflowThread) ?? 0));
  return Array.from({ length: minutes }, (_, m) => {
    const sent = orders.filter((order) => inMinute(order.sentAt, m));
    const latencies = latencySeconds(sent);
    const within = samples.filter((sample) => inMinute(sample.at, m));
    const first = samples.filter((sample) => sample.at <= start + m * MINUTE).at(-1) ?? within[0] ?? samples[0]!;
    const end = within.at(-1) ?? first;
    const cpu = cpuBetween(first.cpu, end.cpu);
    const seconds = Math.max(1, (end.at - first.at) / 1000);
    const httpErrors: Record<string, number> = {};
    for (const error of errors.filter((e) => inMinute(e.at, m))) httpErrors[error.status] = (httpErrors[error.status] ?? 0) + 1;
    return {
      minute: m + 1,
      sent: sent.length,
      confirmedPerSecond: orders.filter((order) => order.confirmedAt !== undefined && inMinute(order.confirmedAt, m)).length / 60,
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      p99: percentile(latencies, 0.99),
      httpErrors,
      rssMiB: Object.fromEntries(Object.keys(end.rssBytes).map((name) => [name, medianRss(within.length ? within : [end], name) / MiB])),
      orderWorkerHeapMiB: percentile((within.length ? within : [end]).map((sample) => sample.orderWorkerHeapBytes), 0.5) / MiB,
      fds: end.fds,
      cpuPercent: Object.fromEntries(Object.entries(cpu).map(([name, used]) => [name, (100 * used) / seconds])),
      workflowThreadCpuPercent: (100 * (workflowThreadSeconds(end) - workflowThreadSeconds(first))) / seconds,
      machineCpuPercent: (100 * (end.machineBusySeconds - first.machineBusySeconds)) / seconds,
      autovacuum: [...new Set(within.flatMap((sample) => sample.autovacuum))],
      postgresConnections: end.postgresConnections,
      cachedWorkflows: end.cachedWorkflows,
      temporalCachedWorkflows: end.temporalCachedWorkflows,
      storageMiB: { postgres: end.storageBytes.postgres / MiB, temporal: end.storageBytes.temporal / MiB, temporalWal: end.storageBytes.temporalWal / MiB },
    };
  });
}

/** Storage added per 1,000 orders accepted, MiB, from the first sample to the last (Temporal: its database file; the WAL is bounded by checkpoints). */
export function storagePerThousand(samples: Sample[], accepted: number): { postgres: number; temporal: number } {
  const [first, last] = [samples[0]!, samples.at(-1)!];
  const per = (key: 'postgres' | 'temporal') => ((last.storageBytes[key] - first.storageBytes[key]) / MiB / Math.max(1, accepted)) * 1000;
  return { postgres: per('postgres'), temporal: per('temporal') };
}

/**
 * Issue 12's pass criteria: every order confirmed; no HTTP error; p99 in the last 5 minutes at most
 * 1.2 × p99 in minutes 5–10; every process's RSS in the last 10 minutes within 10 % of its value at
 * minute 10. The last two need a run of at least 15 and 20 minutes.
 */
export function evaluateCriteria(start: number, minutes: number, orders: SoakOrder[], errors: HttpError[], samples: Sample[]): Criterion[] {
  const confirmed = orders.filter((order) => order.finalStatus === 'CONFIRMED').length;
  const criteria: Criterion[] = [
    { name: 'every order confirmed', pass: confirmed === orders.length, detail: `${confirmed} of ${orders.length}` },
    { name: '0 HTTP errors', pass: errors.length === 0, detail: `${errors.length}${errors.length ? ` (${[...new Set(errors.map((e) => `${e.request} ${e.status}`))].join(', ')})` : ''}` },
  ];

  const sentBetween = (from: number, to: number) => orders.filter((order) => order.sentAt >= start + from * MINUTE && order.sentAt < start + to * MINUTE);
  if (minutes < 15) {
    criteria.push({ name: 'p99 of the last 5 minutes ≤ 1.2 × p99 of minutes 5–10', pass: undefined, detail: `not applicable: needs a run of 15 minutes or more (${minutes})` });
  } else {
    const early = percentile(latencySeconds(sentBetween(5, 10)), 0.99);
    const late = percentile(latencySeconds(sentBetween(minutes - 5, minutes)), 0.99);
    criteria.push({ name: 'p99 of the last 5 minutes ≤ 1.2 × p99 of minutes 5–10', pass: late <= 1.2 * early, detail: `${late.toFixed(2)} s against ${early.toFixed(2)} s (×${(late / early).toFixed(2)})` });
  }

  if (minutes < 20) {
    criteria.push({ name: 'every process\'s RSS in the last 10 minutes within 10 % of minute 10', pass: undefined, detail: `not applicable: needs a run of 20 minutes or more (${minutes})` });
  } else {
    // Each minute by the median of its samples, as in the table.
    const minuteOf = (m: number) => samples.filter((sample) => sample.at >= start + (m - 1) * MINUTE && sample.at < start + m * MINUTE);
    const lastTen = Array.from({ length: 10 }, (_, i) => minuteOf(minutes - 9 + i)).filter((within) => within.length > 0);
    const worst = Object.keys(samples[0]!.rssBytes).map((name) => {
      const atTen = medianRss(minuteOf(10), name);
      const deviation = Math.max(...lastTen.map((within) => Math.abs(medianRss(within, name) / atTen - 1)));
      return { name, deviation };
    });
    const over = worst.filter(({ deviation }) => deviation > 0.1);
    criteria.push({
      name: 'every process\'s RSS in the last 10 minutes within 10 % of minute 10',
      pass: over.length === 0,
      detail: worst.map(({ name, deviation }) => `${name} ${(100 * deviation).toFixed(1)} %`).join(', '),
    });
  }
  return criteria;
}

/** The workflow thread's CPU ms per order confirmed in a minute (the thread table's last column). */
const workflowThreadMsPerOrder = (row: MinuteRow) => (10 * row.workflowThreadCpuPercent) / row.confirmedPerSecond;

/**
 * The regression check on the workflow thread's creep (docs/performance.md): its CPU per order
 * confirmed, the median of the last 5 minutes of sending (26–30 in the 30-minute soak) within 10 %
 * of the median of minutes 6–10. On Node 20 it grew with every workflow run the thread had ever
 * hosted (×1.15–1.53 over such a soak).
 */
export function workflowThreadCriterion(minutes: number, rows: MinuteRow[]): Criterion {
  const name = 'the workflow thread\'s CPU per order confirmed in the last 5 minutes within 10 % of minutes 6–10 (medians)';
  if (minutes < 30) return { name, pass: undefined, detail: `not applicable: needs a run of 30 minutes or more (${minutes})` };
  const medianOf = (from: number, to: number) => percentile(rows.filter((row) => row.minute >= from && row.minute <= to).map(workflowThreadMsPerOrder).filter(Number.isFinite), 0.5);
  const [early, late] = [medianOf(6, 10), medianOf(minutes - 4, minutes)];
  if (!(early > 0 && late > 0)) return { name, pass: false, detail: 'no CPU of a workflow thread was sampled: is the order worker\'s worker thread still named as the sampler expects?' };
  return { name, pass: Math.abs(late / early - 1) <= 0.1, detail: `${late.toFixed(0)} ms against ${early.toFixed(0)} ms (×${(late / early).toFixed(2)})` };
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

export function minuteTable(rows: MinuteRow[]): string {
  const names = Object.keys(rows[0]?.rssMiB ?? {});
  const temporalPostgres = rows.some((row) => TEMPORAL_POSTGRES in row.cpuPercent);
  const header = [
    'min', 'sent', 'CONFIRMED/s', 'p50 s', 'p95 s', 'p99 s', 'HTTP errors',
    ...names.map((name) => `${name} RSS MiB / CPU % / fds`), 'order worker heap MiB', 'postgres CPU %', ...(temporalPostgres ? ['postgres (Temporal) CPU %'] : []), 'PG conns', 'cached workflows (order worker / Temporal)', 'PG MiB', 'Temporal MiB (+ WAL)',
  ];
  const lines = rows.map((row) => [
    row.minute, row.sent, fixed(row.confirmedPerSecond, 2), fixed(row.p50, 2), fixed(row.p95, 2), fixed(row.p99, 2),
    Object.entries(row.httpErrors).map(([status, n]) => `${status}: ${n}`).join(', ') || '0',
    ...names.map((name) => `${fixed(row.rssMiB[name]!, 0)} / ${fixed(row.cpuPercent[name]!, 0)} / ${row.fds[name]}`),
    fixed(row.orderWorkerHeapMiB, 0), fixed(row.cpuPercent.postgres ?? 0, 0), ...(temporalPostgres ? [fixed(row.cpuPercent[TEMPORAL_POSTGRES] ?? 0, 0)] : []), row.postgresConnections, `${row.cachedWorkflows} / ${row.temporalCachedWorkflows}`, fixed(row.storageMiB.postgres, 1), `${fixed(row.storageMiB.temporal, 1)} (+ ${fixed(row.storageMiB.temporalWal, 1)})`,
  ]);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/**
 * The order worker's CPU by thread, % of one core, and the workflow thread's CPU per order confirmed
 * in the minute: where the order worker's time goes, and whether it grows as the run goes on.
 */
export function threadTable(rows: MinuteRow[]): string {
  const header = ['min', 'CONFIRMED/s', 'main thread CPU %', 'workflow thread CPU %', 'other threads CPU %', 'workflow thread CPU ms per order confirmed'];
  const lines = rows.map((row) => {
    const others = (row.cpuPercent[ORDER_WORKER_THREADS.js] ?? NaN) + (row.cpuPercent[ORDER_WORKER_THREADS.rest] ?? NaN) - row.workflowThreadCpuPercent;
    return [row.minute, fixed(row.confirmedPerSecond, 2), fixed(row.cpuPercent[ORDER_WORKER_THREADS.main] ?? NaN, 1), fixed(row.workflowThreadCpuPercent, 1), fixed(others, 1), fixed(workflowThreadMsPerOrder(row), 0)];
  });
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/**
 * The machine around the order's path, minute by minute: how busy it was (all cores together),
 * what PostgreSQL as a whole and the benchmark's own process used, and what autovacuum was doing;
 * with the per-process table, to tell whether a slow minute was a busier system or something beside it.
 */
export function machineTable(rows: MinuteRow[]): string {
  const header = ['min', 'p95 s', 'p99 s', `machine CPU % (${100 * os.availableParallelism()} = every core)`, `${POSTGRES_ALL} CPU %`, `${BENCH_CLIENT} CPU %`, 'autovacuum seen'];
  const lines = rows.map((row) => [
    row.minute, fixed(row.p95, 2), fixed(row.p99, 2), fixed(row.machineCpuPercent, 0), fixed(row.cpuPercent[POSTGRES_ALL] ?? NaN, 0), fixed(row.cpuPercent[BENCH_CLIENT] ?? NaN, 0),
    row.autovacuum.join('; ') || '–',
  ]);
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function criteriaList(criteria: Criterion[]): string {
  const verdict = (pass: boolean | undefined) => (pass === undefined ? 'n/a ' : pass ? 'PASS' : 'FAIL');
  return criteria.map((criterion) => `- **${verdict(criterion.pass)}** ${criterion.name}: ${criterion.detail}`).join('\n');
}
