import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../dev/stack.js';
import type { ArmName } from './arms.js';
import type { RunResult } from './burst.js';
import { spread, type Spread } from './stats.js';

export interface Comparison {
  scenario: string;
  arm: ArmName;
  baseline: ArmName;
  /** Medians over repetitions of each arm, with their range. */
  ordersPerSecond: { arm: Spread; baseline: Spread; ratio: Spread };
  p50Ms: { arm: Spread; baseline: Spread; ratio: Spread };
  p99Ms: { arm: Spread; baseline: Spread; ratio: Spread };
  acceptP50Ms: { arm: Spread; baseline: Spread; ratio: Spread };
  cpuMsPerOrder: { arm: Spread; baseline: Spread; ratio: Spread };
}

type Metric = 'ordersPerSecond' | 'p50Ms' | 'p99Ms' | 'acceptP50Ms' | 'cpuMsPerOrderTotal';

/**
 * Paired ratios: repetition k of `arm` against repetition k of `baseline` (they ran one after the
 * other, so they shared the machine's mood), then the median of those ratios.
 */
export function compare(results: RunResult[], scenario: string, arm: ArmName, baseline: ArmName): Comparison | undefined {
  const of = (name: ArmName) => results.filter((r) => r.scenario === scenario && r.arm === name);
  const a = of(arm);
  const b = of(baseline);
  const pairs = Math.min(a.length, b.length);
  if (pairs === 0) return undefined;
  const metric = (key: Metric) => ({
    arm: spread(a.map((r) => r[key])),
    baseline: spread(b.map((r) => r[key])),
    ratio: spread(Array.from({ length: pairs }, (_, k) => a[k]![key] / b[k]![key])),
  });
  return {
    scenario,
    arm,
    baseline,
    ordersPerSecond: metric('ordersPerSecond'),
    p50Ms: metric('p50Ms'),
    p99Ms: metric('p99Ms'),
    acceptP50Ms: metric('acceptP50Ms'),
    cpuMsPerOrder: metric('cpuMsPerOrderTotal'),
  };
}

const fmt = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const cell = (s: Spread, digits: number, scale = 1) => `${fmt(s.median * scale, digits)} (${fmt(s.min * scale, digits)}–${fmt(s.max * scale, digits)})`;

export function comparisonTable(comparisons: Comparison[]): string {
  const rows = comparisons.map((c) =>
    [
      `${c.scenario}: ${c.arm} ÷ ${c.baseline}`,
      `${cell(c.ordersPerSecond.arm, 1)} ÷ ${cell(c.ordersPerSecond.baseline, 1)} = **${cell(c.ordersPerSecond.ratio, 2)}**`,
      `${cell(c.p50Ms.arm, 2, 1 / 1000)} ÷ ${cell(c.p50Ms.baseline, 2, 1 / 1000)} = **${cell(c.p50Ms.ratio, 2)}**`,
      `${cell(c.p99Ms.arm, 2, 1 / 1000)} ÷ ${cell(c.p99Ms.baseline, 2, 1 / 1000)} = **${cell(c.p99Ms.ratio, 2)}**`,
      `${cell(c.cpuMsPerOrder.arm, 0)} ÷ ${cell(c.cpuMsPerOrder.baseline, 0)} = **${cell(c.cpuMsPerOrder.ratio, 2)}**`,
      `${cell(c.acceptP50Ms.arm, 0)} ÷ ${cell(c.acceptP50Ms.baseline, 0)} = **${cell(c.acceptP50Ms.ratio, 2)}**`,
    ].join(' | '),
  );
  return [
    '| comparison | orders/s to CONFIRMED | p50 to CONFIRMED (s) | p99 to CONFIRMED (s) | CPU-ms per order | accepted in, p50 (ms) |',
    '|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** CPU-ms per order by process group: median over the scenario's repetitions of each arm. */
export function cpuTable(results: RunResult[], scenario: string, arms: ArmName[]): string {
  const groups = [...new Set(results.flatMap((r) => Object.keys(r.cpuMsPerOrder)))];
  const of = (arm: ArmName) => results.filter((r) => r.scenario === scenario && r.arm === arm);
  const header = `| process | ${arms.join(' | ')} |`;
  const rows = groups.map((group) => `| ${group} | ${arms.map((arm) => fmt(spread(of(arm).map((r) => r.cpuMsPerOrder[group] ?? 0)).median, 1)).join(' | ')} |`);
  const total = `| **all** | ${arms.map((arm) => `**${fmt(spread(of(arm).map((r) => r.cpuMsPerOrderTotal)).median, 1)}**`).join(' | ')} |`;
  return [header, `|---|${arms.map(() => '---').join('|')}|`, ...rows, total].join('\n');
}

/** Where a run's results go (bench/results/<name>-<when>, the folder made), when it ran, and on what. */
export async function newResults(name: string) {
  const at = new Date().toISOString();
  const base = path.join(ROOT, 'bench', 'results', `${name}-${at.replace(/[:.]/g, '-')}`);
  await mkdir(path.dirname(base), { recursive: true });
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
  return { at, base, machine };
}

/** Writes a run's data (`<base>.json`) and its report (`<base>.md`), and prints the report. */
export async function writeResults(base: string, data: unknown, markdown: string, say: (line: string) => void): Promise<void> {
  await writeFile(`${base}.json`, `${JSON.stringify(data, null, 2)}\n`);
  await writeFile(`${base}.md`, markdown);
  say(`\n${markdown}`);
  say(`written: ${path.relative(ROOT, base)}.{json,md}`);
}

