import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { HttpError, SoakOrder } from './soak-clients.js';
import { evaluateCriteria, machineTable, minuteRows, storagePerThousand, threadTable, workflowThreadCriterion } from './soak-report.js';
import { ORDER_WORKER_THREADS, type Sample } from './soak-sampler.js';

const MINUTE = 60_000;
const MiB = 2 ** 20;

/** One order a second for `minutes`, each CONFIRMED `latencyMs(sentAt)` after it was sent. */
const ordersOf = (minutes: number, latencyMs: (sentAt: number) => number): SoakOrder[] =>
  Array.from({ length: minutes * 60 }, (_, index) => {
    const sentAt = index * 1000;
    return { index, sentAt, orderId: `o-${index}`, finalStatus: 'CONFIRMED', confirmedAt: sentAt + latencyMs(sentAt) };
  });

/** A sample every 10 s for `minutes`; the order worker's RSS from `workerMiB(at)`, the API's flat at 200 MiB. */
const samplesOf = (minutes: number, workerMiB: (at: number) => number): Sample[] =>
  Array.from({ length: minutes * 6 + 1 }, (_, i) => {
    const at = i * 10_000;
    return {
      at,
      rssBytes: { api: 200 * MiB, 'worker order-1': workerMiB(at) * MiB },
      fds: { api: 40, 'worker order-1': 50 },
      cpu: { api: new Map([[1, at / 1000 / 10]]), 'worker order-1': new Map([[2, at / 1000 / 4]]), postgres: new Map() },
      machineBusySeconds: at / 1000,
      autovacuum: at === 5 * MINUTE + 20_000 ? ['temporal_x: autovacuum: VACUUM ANALYZE public.executions_visibility'] : [],
      postgresConnections: 12,
      storageBytes: { postgres: (10 + at / MINUTE) * MiB, temporal: (5 + (2 * at) / MINUTE) * MiB, temporalWal: 4 * MiB },
      cachedWorkflows: Math.min(1000, at / 1000),
      orderWorkerHeapBytes: 300 * MiB,
      workerHeapTotalBytes: { 'worker order-1': 400 * MiB },
      workerExternalBytes: { 'worker order-1': 20 * MiB },
      temporalCachedWorkflows: Math.min(8096, at / 100),
    };
  });

const verdicts = (criteria: ReturnType<typeof evaluateCriteria>) => criteria.map((criterion) => criterion.pass);

describe('the soak\'s pass criteria', () => {
  it('pass for a run that is flat: every order confirmed, no error, latency and memory steady', () => {
    const criteria = evaluateCriteria(0, 30, ordersOf(30, () => 600), [], samplesOf(30, () => 400));
    expect(verdicts(criteria)).toEqual([true, true, true, true]);
  });

  it('fail on an order not confirmed and on any HTTP error, naming them', () => {
    const orders = ordersOf(30, () => 600);
    orders[7] = { ...orders[7]!, finalStatus: undefined, confirmedAt: undefined };
    const errors: HttpError[] = [{ at: 1000, request: 'GET /orders/{id}', status: '503' }];
    const criteria = evaluateCriteria(0, 30, orders, errors, samplesOf(30, () => 400));
    expect(verdicts(criteria)).toEqual([false, false, true, true]);
    expect(criteria[0]!.detail).toBe('1799 of 1800');
    expect(criteria[1]!.detail).toBe('1 (GET /orders/{id} 503)');
  });

  it('fail when p99 of the last 5 minutes is above 1.2 × that of minutes 5–10', () => {
    const slower = ordersOf(30, (sentAt) => (sentAt >= 25 * MINUTE ? 900 : 600));
    expect(verdicts(evaluateCriteria(0, 30, slower, [], samplesOf(30, () => 400)))).toEqual([true, true, false, true]);
    const within = ordersOf(30, (sentAt) => (sentAt >= 25 * MINUTE ? 700 : 600));
    expect(verdicts(evaluateCriteria(0, 30, within, [], samplesOf(30, () => 400)))).toEqual([true, true, true, true]);
  });

  it('fail when a process\'s RSS in the last 10 minutes strays more than 10 % from minute 10, naming each process\'s worst', () => {
    // Grows 1 % of its minute-10 value every minute: 20 % above it at minute 30.
    const growing = samplesOf(30, (at) => 400 * (1 + (0.01 * (at - 10 * MINUTE)) / MINUTE));
    const criteria = evaluateCriteria(0, 30, ordersOf(30, () => 600), [], growing);
    expect(verdicts(criteria)).toEqual([true, true, true, false]);
    expect(criteria[3]!.detail).toBe('api 0.0 %, worker order-1 20.1 %');
    // A plateau reached before minute 10 passes, however much it grew on the way.
    const plateau = samplesOf(30, (at) => Math.min(700, 300 + at / 1000));
    expect(verdicts(evaluateCriteria(0, 30, ordersOf(30, () => 600), [], plateau))).toEqual([true, true, true, true]);
    // A garbage collection caught by one sample is not a trend: minutes are judged by their median sample.
    const dip = samplesOf(30, (at) => (at === 26 * MINUTE + 20_000 ? 300 : 400));
    expect(verdicts(evaluateCriteria(0, 30, ordersOf(30, () => 600), [], dip))).toEqual([true, true, true, true]);
    const dropped = samplesOf(30, (at) => (at >= 26 * MINUTE ? 300 : 400));
    expect(verdicts(evaluateCriteria(0, 30, ordersOf(30, () => 600), [], dropped))).toEqual([true, true, true, false]);
  });

  it('are not applicable to runs too short for them', () => {
    const criteria = evaluateCriteria(0, 3, ordersOf(3, () => 600), [], samplesOf(3, () => 400));
    expect(verdicts(criteria)).toEqual([true, true, undefined, undefined]);
    expect(criteria[2]!.detail).toContain('needs a run of 15 minutes');
  });
});

/** Samples whose workflow thread (thread 7) uses `coreShare(minute)` of a core in each 1-based minute. */
const withWorkflowThread = (minutes: number, coreShare: (minute: number) => number): Sample[] =>
  samplesOf(minutes, () => 400).map((sample) => {
    const whole = Math.floor(sample.at / MINUTE);
    let seconds = ((sample.at - whole * MINUTE) / 1000) * coreShare(whole + 1);
    for (let m = 1; m <= whole; m++) seconds += 60 * coreShare(m);
    return { ...sample, cpu: { ...sample.cpu, [ORDER_WORKER_THREADS.js]: new Map([[7, seconds]]) } };
  });

describe('the workflow thread\'s creep check', () => {
  const criterion = (minutes: number, coreShare: (minute: number) => number) =>
    workflowThreadCriterion(minutes, minuteRows(0, ordersOf(minutes, () => 500), [], withWorkflowThread(minutes, coreShare)));

  it('passes when its CPU per order confirmed holds from minutes 6–10 to 26–30, giving both medians', () => {
    // One order a second: 10 % of a core is 100 ms per order; 108 ms by the end is within 10 %.
    expect(criterion(30, (minute) => (minute <= 25 ? 0.1 : 0.108))).toMatchObject({ pass: true, detail: '108 ms against 100 ms (×1.08)' });
  });

  it('fails when it grows by more than 10 %, as it did on Node 20', () => {
    expect(criterion(30, (minute) => 0.1 * (1 + minute / 100))).toMatchObject({ pass: false, detail: '128 ms against 108 ms (×1.19)' });
  });

  it('is not applicable to a run shorter than 30 minutes', () => {
    expect(criterion(20, () => 0.1).pass).toBeUndefined();
  });

  it('fails, saying why, when no workflow thread\'s CPU was sampled', () => {
    expect(criterion(30, () => 0)).toMatchObject({ pass: false, detail: expect.stringContaining('no CPU of a workflow thread was sampled') });
  });
});

describe('the soak\'s report', () => {
  it('has a row per minute: orders sent, confirmations per second, percentiles by send minute, errors by status, each process\'s median RSS and the rest at the minute\'s end', () => {
    const orders = ordersOf(3, (sentAt) => (sentAt < MINUTE ? 500 : 1500));
    const errors: HttpError[] = [
      { at: 61_000, request: 'GET /orders/{id}', status: '503' },
      { at: 62_000, request: 'POST /orders', status: 'network' },
      { at: 63_000, request: 'GET /orders/{id}', status: '503' },
    ];
    const rows = minuteRows(0, orders, errors, samplesOf(3, (at) => 300 + at / MINUTE));
    expect(rows.map((row) => row.minute)).toEqual([1, 2, 3, 4]);
    expect(rows.map((row) => row.sent)).toEqual([60, 60, 60, 0]);
    expect(rows[0]).toMatchObject({ p50: 0.5, p99: 0.5, httpErrors: {}, rssMiB: { 'worker order-1': 300 + 20 / 60 }, fds: { api: 40 } });
    expect(rows[1]).toMatchObject({ p50: 1.5, httpErrors: { 503: 2, network: 1 } });
    expect(rows[0]!.cpuPercent.api).toBeCloseTo(10);
    expect(rows[0]!.cpuPercent['worker order-1']).toBeCloseTo(25);
    expect(rows[3]!.confirmedPerSecond).toBeCloseTo(1 / 60); // the last order, confirmed 1.5 s after the third minute
  });

  it('gives the order worker\'s CPU by thread, and the workflow thread\'s CPU per order confirmed in the minute', () => {
    // The workflow thread uses 20 % of a core in the first minute and 30 % after it; one order a second.
    const samples = samplesOf(3, () => 400).map((sample) => ({
      ...sample,
      cpu: {
        ...sample.cpu,
        [ORDER_WORKER_THREADS.main]: new Map([[2, sample.at / 1000 / 10]]),
        // Thread 7 runs the workflows; thread 8 is one of V8's helpers, at 2 %.
        [ORDER_WORKER_THREADS.js]: new Map([
          [7, sample.at <= MINUTE ? (0.2 * sample.at) / 1000 : 12 + (0.3 * (sample.at - MINUTE)) / 1000],
          [8, (0.02 * sample.at) / 1000],
        ]),
        [ORDER_WORKER_THREADS.rest]: new Map([[9, (0.01 * sample.at) / 1000]]),
      },
    }));
    const table = threadTable(minuteRows(0, ordersOf(3, () => 500), [], samples)).split('\n');
    expect(table[0]).toBe('| min | CONFIRMED/s | main thread CPU % | workflow thread CPU % | other threads CPU % | workflow thread CPU ms per order confirmed |');
    expect(table[2]).toBe('| 1 | 1.00 | 10.0 | 20.0 | 3.0 | 200 |');
    expect(table[3]).toBe('| 2 | 1.00 | 10.0 | 30.0 | 3.0 | 300 |');
  });

  it('gives the machine\'s busy CPU per minute and what autovacuum was seen doing in it', () => {
    // The machine is busy one core-second a second (100 %); autovacuum caught by one sample of minute 6.
    const table = machineTable(minuteRows(0, ordersOf(7, () => 500), [], samplesOf(7, () => 400))).split('\n');
    expect(table[0]).toBe(`| min | p95 s | p99 s | machine CPU % (${100 * os.availableParallelism()} = every core) | postgres, every process CPU % | bench client (HTTP, SMTP sink, sampler) CPU % | autovacuum seen |`);
    expect(table[2]).toBe('| 1 | 0.50 | 0.50 | 100 | – | – | – |');
    expect(table[7]).toBe('| 6 | 0.50 | 0.50 | 100 | – | – | temporal_x: autovacuum: VACUUM ANALYZE public.executions_visibility |');
  });

  it('gives storage growth per 1,000 orders accepted', () => {
    expect(storagePerThousand(samplesOf(3, () => 400), 180)).toEqual({ postgres: (3 / 180) * 1000, temporal: (6 / 180) * 1000 });
  });
});
