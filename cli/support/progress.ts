import { Presets, SingleBar } from 'cli-progress';

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * Runs a long step with a status line on stderr: `label... done in 4.2 s`. On a terminal the
 * elapsed time ticks while it runs; in a pipe or a log it is one line.
 */
export async function withStatus<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  process.stderr.write(`${label}...`);
  const ticker = tty ? setInterval(() => process.stderr.write(`\r${label}... ${seconds(started)}`), 250) : undefined;
  try {
    const result = await step();
    process.stderr.write(`${tty ? `\r${label}...` : ''} done in ${seconds(started)}\n`);
    return result;
  } catch (error) {
    process.stderr.write(' failed\n');
    throw error;
  } finally {
    clearInterval(ticker);
  }
}

export interface Progress {
  advance(detail: string): void;
  stop(): void;
}

/** A progress bar on stderr for `total` steps; drawn on a terminal only (a pipe gets no escape codes). */
export function progressBar(total: number, label: string): Progress {
  if (!process.stderr.isTTY || total <= 1) return { advance: () => {}, stop: () => {} };
  const bar = new SingleBar(
    { format: `${label} {bar} {value}/{total} {detail}`, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
    Presets.shades_classic,
  );
  bar.start(total, 0, { detail: '' });
  return {
    advance: (detail) => bar.increment(1, { detail }),
    stop: () => bar.stop(),
  };
}
