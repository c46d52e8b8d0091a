import { writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A Vega-Lite chart rendered to PNG (SVG by Vega, rasterised by resvg with the system's fonts). */
export async function writePng(file: string, spec: TopLevelSpec): Promise<void> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  await writeFile(file, png);
}

/** Latency to CONFIRMED as a cumulative distribution, one line per arm. */
export function latencyCdf(title: string, series: Record<string, number[]>): TopLevelSpec {
  const values = Object.entries(series).flatMap(([arm, latencies]) => {
    const sorted = [...latencies].sort((a, b) => a - b);
    return sorted.map((ms, i) => ({ arm, seconds: ms / 1000, share: (i + 1) / sorted.length }));
  });
  return {
    title,
    width: 640,
    height: 360,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'seconds', type: 'quantitative', title: 'seconds from send to CONFIRMED' },
      y: { field: 'share', type: 'quantitative', title: 'share of orders', axis: { format: '%' } },
      color: { field: 'arm', type: 'nominal', title: null },
    },
  };
}

/** Confirmations per second over the run, one line per arm. */
export function throughputOverTime(title: string, series: Record<string, number[]>): TopLevelSpec {
  const values = Object.entries(series).flatMap(([arm, confirmedAfterMs]) => {
    const perSecond = new Map<number, number>();
    for (const ms of confirmedAfterMs) perSecond.set(Math.floor(ms / 1000), (perSecond.get(Math.floor(ms / 1000)) ?? 0) + 1);
    const last = Math.max(...perSecond.keys());
    return Array.from({ length: last + 1 }, (_, second) => ({ arm, second, confirmed: perSecond.get(second) ?? 0 }));
  });
  return {
    title,
    width: 640,
    height: 360,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'second', type: 'quantitative', title: 'seconds since the burst started' },
      y: { field: 'confirmed', type: 'quantitative', title: 'orders CONFIRMED in that second' },
      color: { field: 'arm', type: 'nominal', title: null },
    },
  };
}

/**
 * A soak over time: each process's RSS (top) and each order's time from send to CONFIRMED (bottom),
 * on one time axis in minutes since the first order was sent.
 */
export function soakOverTime(title: string, rss: Array<{ minute: number; process: string; mib: number }>, latencies: Array<{ minute: number; seconds: number }>): TopLevelSpec {
  const minute = { field: 'minute', type: 'quantitative', title: 'minutes since the first order', scale: { domainMin: 0 } } as const;
  return {
    title,
    vconcat: [
      {
        width: 720,
        height: 300,
        data: { values: rss },
        mark: { type: 'line' },
        encoding: {
          x: minute,
          y: { field: 'mib', type: 'quantitative', title: 'RSS (MiB)' },
          color: { field: 'process', type: 'nominal', title: null, legend: { labelLimit: 400 } },
        },
      },
      {
        width: 720,
        height: 240,
        data: { values: latencies },
        mark: { type: 'point', size: 6, opacity: 0.4, filled: true },
        encoding: {
          x: minute,
          y: { field: 'seconds', type: 'quantitative', title: 'send to CONFIRMED (s)' },
        },
      },
    ],
  };
}
