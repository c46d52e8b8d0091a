import { constants } from 'node:os';

/** What the benchmark has running, newest last: stopped on SIGINT or SIGTERM before the process exits. */
const running = new Set<() => Promise<void>>();
let installed = false;

const exitCode = (signal: NodeJS.Signals) => 128 + (constants.signals[signal] ?? 0);

async function stopEverything(signal: NodeJS.Signals): Promise<never> {
  process.stderr.write(`${signal}: stopping what the benchmark started (processes, databases, files); again to exit at once\n`);
  for (const stop of [...running].reverse()) {
    await stop().catch((error: unknown) => process.stderr.write(`while stopping: ${error instanceof Error ? error.message : String(error)}\n`));
  }
  process.exit(exitCode(signal));
}

/**
 * Registers a benchmark's resource: an interrupted run stops it too, newest first, instead of
 * leaving its processes, ports and `orderflow_bench_*` / `temporal_bench_*` databases behind.
 * Returns the stop to call instead of `stop` (it runs once, however often it is called, and
 * unregisters). A second signal exits at once, for a stop that hangs.
 */
export function stopOnInterrupt(stop: () => Promise<void>): () => Promise<void> {
  if (!installed) {
    installed = true;
    let interrupted = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted) process.exit(exitCode(signal));
      interrupted = true;
      void stopEverything(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  let stopped: Promise<void> | undefined;
  const once = () => {
    running.delete(once);
    return (stopped ??= stop());
  };
  running.add(once);
  return once;
}
