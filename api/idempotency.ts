import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type Workflow, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import { conflict } from './errors.js';

/** A stable digest of an Idempotency-Key scoped to its owner (and anything else that must match). */
export const idempotencyDigest = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex');

const requestHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('base64url');

/**
 * Starts a workflow, or finds the run the same request already started: the workflow ID comes
 * from the Idempotency-Key and the `USE_EXISTING` conflict policy makes this atomic (no
 * lookup-then-start race). The request's hash rides in the memo, so the same key with another
 * body is a 409 rather than somebody else's result.
 */
export async function startOnce<T extends Workflow>(
  client: Client,
  workflowType: string,
  options: WorkflowStartOptions<T>,
  request: { body: unknown; keyed: boolean },
): Promise<WorkflowHandle<T>> {
  const hash = requestHash(request.body);
  let handle: WorkflowHandle<T>;
  try {
    handle = await client.workflow.start<T>(workflowType, { ...options, memo: { ...options.memo, requestHash: hash }, workflowIdConflictPolicy: 'USE_EXISTING' });
  } catch (error) {
    // The earlier run already closed (and the reuse policy forbids another): still the same request.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    handle = client.workflow.getHandle<T>(options.workflowId);
  }
  // Without a key the ID was fresh: nothing to compare.
  if (request.keyed && (await handle.describe()).memo?.requestHash !== hash) {
    throw conflict('Idempotency-Key was already used with a different request body');
  }
  return handle;
}
