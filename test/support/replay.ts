import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { temporalTracingPlugin } from '../../common/telemetry.js';
import { bundleWorkflows } from '../../workers/workflow-bundle.js';
import { testDataConverter } from './temporal.js';

export type Tracing = 'traced' | 'untraced';

let untraced: Promise<string> | undefined;

/** The run's bundle has the tracing interceptors (as production); this one, kept in memory, has none. */
export function untracedBundleCode(): Promise<string> {
  untraced ??= bundleWorkflows({ tracing: false });
  return untraced;
}

/**
 * Replays a history with the workflows' tracing on (the bundle's interceptors, and the plugin
 * taking their spans, as in the order worker) or off (neither); rejects on any non-determinism.
 */
export async function replay(history: unknown, workflowId: string, tracing: Tracing): Promise<void> {
  const options =
    tracing === 'traced'
      ? { workflowBundle: { codePath: inject('workflowBundlePath') }, plugins: [temporalTracingPlugin()] }
      : { workflowBundle: { code: await untracedBundleCode() } };
  await Worker.runReplayHistory({ ...options, dataConverter: testDataConverter, replayName: `${workflowId}-${tracing}` }, history, workflowId);
}
