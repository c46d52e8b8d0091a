import type { Client } from '@temporalio/client';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow/index.js';

/** The summary PlaceOrder gives the activity that emails a confirmation (`email ${kind}`). */
const CONFIRMATION_EMAIL = 'email ORDER_CONFIRMED';

/**
 * How a PlaceOrder run stands once its order is decided and the decision emailed:
 *  - `closed`: the run ended (a REJECTED or CANCELLED order: it ends after its email); its result,
 *    or the failure, is `handle.result()`'s;
 *  - `open`: the order is CONFIRMED and its confirmation email sent (the email's activity
 *    completed, so the notification record says SENT); the run goes on, awaiting its first
 *    shipment, and its state is the `getOrderState` query's.
 * Event-driven: it follows the run's history with the server's long poll (`waitNewEvent`, as
 * `handle.result()` does) and answers at the first event that tells, with no polling interval.
 * Bounded by the caller's deadline (the test's timeout), as `handle.result()` was.
 */
export async function untilOrderDecided(client: Client, workflowId: string): Promise<'closed' | 'open'> {
  const { namespace, loadedDataConverter } = client.options;
  let nextPageToken: Uint8Array | undefined;
  let confirmationEmail: string | undefined;
  for (;;) {
    const page = await client.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId }, nextPageToken, waitNewEvent: true, skipArchival: true });
    for (const event of page.history?.events ?? []) {
      if (
        event.workflowExecutionCompletedEventAttributes ||
        event.workflowExecutionFailedEventAttributes ||
        event.workflowExecutionTerminatedEventAttributes ||
        event.workflowExecutionTimedOutEventAttributes ||
        event.workflowExecutionCanceledEventAttributes ||
        event.workflowExecutionContinuedAsNewEventAttributes
      ) {
        return 'closed';
      }
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled && confirmationEmail === undefined && scheduled.activityType?.name === 'sendOrderEmail') {
        const summary = await decodeOptionalSinglePayload<string>(loadedDataConverter, event.userMetadata?.summary);
        if (summary === CONFIRMATION_EMAIL) confirmationEmail = String(event.eventId);
      }
      if (confirmationEmail !== undefined && String(event.activityTaskCompletedEventAttributes?.scheduledEventId) === confirmationEmail) return 'open';
    }
    // An empty token: the run closed and every event was read (a close event answers first).
    if (!page.nextPageToken?.length) throw new Error(`${workflowId}: its history ended without a close event`);
    nextPageToken = page.nextPageToken;
  }
}
