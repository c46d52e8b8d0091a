import type { DataConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { replayBundle } from '../../cli/support/replay-bundle.js';
import { createDataConverter, createEncryptionCodec, payloadEnv } from '../../common/payload-codec.js';
import { temporalTracingPlugin } from '../../common/telemetry.js';
import { generateDevSecrets } from '../../dev/secrets.js';
import { bundleWorkflows } from '../../workers/workflow-bundle.js';

export type Tracing = 'traced' | 'untraced';

let untraced: Promise<string> | undefined;

/** The replay CLI's bundle (cached on disk) has the tracing interceptors, as production's; this one, kept in memory, has none. */
export function untracedBundleCode(): Promise<string> {
  untraced ??= bundleWorkflows({ tracing: false });
  return untraced;
}

/** For histories exported `--decoded` (the fixtures): the app's converter, with a key no payload needs. */
export const plainHistoryConverter: DataConverter = createDataConverter(createEncryptionCodec(payloadEnv.parse(generateDevSecrets())));

/**
 * Replays a history with the workflows' tracing on (the bundle's interceptors, and the plugin
 * taking their spans, as in the order worker) or off (neither); rejects on any non-determinism.
 * Needs no Temporal server.
 */
export async function replay(history: unknown, workflowId: string, tracing: Tracing, dataConverter: DataConverter = plainHistoryConverter): Promise<void> {
  const options =
    tracing === 'traced'
      ? { workflowBundle: { codePath: await replayBundle() }, plugins: [temporalTracingPlugin()] }
      : { workflowBundle: { code: await untracedBundleCode() } };
  await Worker.runReplayHistory({ ...options, dataConverter, replayName: `${workflowId}-${tracing}` }, history, workflowId);
}
