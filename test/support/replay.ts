import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { temporalTracingPlugin } from '../../common/telemetry.js';
import { ROOT } from '../../dev/stack.js';
import { buildWorkflowBundle } from '../../workers/workflow-bundle.js';
import { testDataConverter } from './temporal.js';

export type Tracing = 'traced' | 'untraced';

let untraced: Promise<string> | undefined;

/** The run's bundle has the tracing interceptors (as production); this one is built without them. */
function untracedBundle(): Promise<string> {
  untraced ??= buildWorkflowBundle(path.join(ROOT, '.data', 'test', `workflow-bundle-untraced-${process.pid}.js`), { tracing: false });
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
      : { workflowBundle: { codePath: await untracedBundle() } };
  await Worker.runReplayHistory({ ...options, dataConverter: testDataConverter, replayName: `${workflowId}-${tracing}` }, history, workflowId);
}
