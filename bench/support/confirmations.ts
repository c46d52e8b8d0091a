import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';

const CONFIRMED = Buffer.from(JSON.stringify('CONFIRMED'));

/**
 * When the workflow marked the order CONFIRMED: the time of its OrderStatus upsert, from the
 * history, after the run (reading it costs the measured system nothing while it runs). The
 * same event in the real saga and in both twins.
 */
export async function confirmedAt(client: Client, workflowId: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  for (const event of history.events ?? []) {
    const status = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OrderStatus?.data;
    if (status && Buffer.from(status).equals(CONFIRMED)) return tsToMs(event.eventTime);
  }
  throw new Error(`${workflowId} was never CONFIRMED`);
}
