import { randomUUID } from 'node:crypto';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { expect } from 'vitest';
import { sandboxLedger, type SandboxLedgerEntry } from '../../activities/payment/providers/sandbox.js';
import type { ManagedProcess } from '../../dev/processes.js';
import { orderWorkflowId } from '../../workflows/place-order.contract.js';
import { countBy } from './invariants.js';
import type { SmtpSink } from './smtp-sink.js';
import type { TestStack } from './stack.js';

/** What the payment e2e suites need of an order and its money, read the way a client or an operator would. */

export type LedgerKind = SandboxLedgerEntry['kind'];

/** One order's ledger at the sandbox, counted by kind: `{ authorisation: 1, capture: 1 }`. */
export async function ledgerCounts(stack: TestStack, orderId: string): Promise<Partial<Record<LedgerKind, number>>> {
  return countBy(await sandboxLedger(stack.paymentSandbox.url, orderId), (entry) => entry.kind);
}

/** Every entry the sandbox holds (all orders), oldest first. */
export async function wholeLedger(stack: TestStack): Promise<SandboxLedgerEntry[]> {
  const response = await fetch(`${stack.paymentSandbox.url}/v1/ledger`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { entries: SandboxLedgerEntry[] }).entries;
}

/**
 * The kinds of the emails an order got at the SMTP server, counted. The Message-ID says the kind:
 * `<order_shipped.<orderId>.<shipmentId>@domain>` (activities/notification/activities.ts).
 */
export function emailKinds(smtp: SmtpSink, orderId: string): Record<string, number> {
  return countBy(smtp.forOrder(orderId), (mail) => mail.parsed.messageId!.replace(/^</, '').split('.')[0]!.toUpperCase());
}

/** Resolves once the order's decision (confirmed or rejected) was emailed: the order service recorded it before. */
export const untilDecisionEmailed = (smtp: SmtpSink, orderId: string, timeoutMs = 120_000) =>
  smtp.waitFor(() => smtp.forOrder(orderId).some((mail) => /^<order_(confirmed|rejected)\./.test(mail.parsed.messageId ?? '')), timeoutMs);

/** A customer's and a warehouse operator's tokens. */
export async function people(stack: TestStack, customer: string) {
  return { customer: await stack.token(customer, ['customer'], `${customer}@example.test`), staff: await stack.token('warehouse', ['operator']) };
}

/** POST /orders with a payment method and a key of its own; `wait` (seconds) as Prefer: wait=N. */
export function placePaid(stack: TestStack, token: string, lines: Array<{ sku: string; quantity: number }>, method: string, wait?: number) {
  return stack.request('POST', '/orders', {
    token,
    body: { lines, payment: { method } },
    headers: { 'idempotency-key': randomUUID(), ...(wait !== undefined && { prefer: `wait=${wait}` }) },
  });
}

/** POST /orders/{id}/shipments as staff under `key` (every unit left when `lines` is absent). */
export function ship(stack: TestStack, staff: string, orderId: string, key: string, body: { carrier: string; trackingNumber: string; lines?: Array<{ sku: string; quantity: number }> }) {
  return stack.request('POST', `/orders/${orderId}/shipments`, { token: staff, body, headers: { 'idempotency-key': key } });
}

export const deliver = (stack: TestStack, staff: string, orderId: string, shipmentId: string) => stack.request('POST', `/orders/${orderId}/shipments/${shipmentId}/delivery`, { token: staff });

export const askReturn = (stack: TestStack, customer: string, orderId: string, lines: Array<{ sku: string; quantity: number }>, reason: string) =>
  stack.request('POST', `/orders/${orderId}/returns`, { token: customer, body: { lines, reason }, headers: { 'idempotency-key': randomUUID() } });

export const receive = (stack: TestStack, staff: string, orderId: string, returnId: string, restock: boolean) =>
  stack.request('POST', `/orders/${orderId}/returns/${returnId}/receipt`, { token: staff, body: { restock } });

/** The activity of `type` the order's workflow is running or retrying, as Temporal describes it. */
export async function pendingActivity(stack: TestStack, orderId: string, type: string) {
  const { raw } = await stack.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
  return (raw.pendingActivities ?? []).find((activity) => activity.activityType?.name === type);
}

/** Why the activity's last attempt failed, decoded (failures travel encoded, as payloads do). */
export async function lastFailureMessage(stack: TestStack, activity: Awaited<ReturnType<typeof pendingActivity>>): Promise<string | undefined> {
  return (await decodeOptionalFailureToOptionalError(stack.client.options.loadedDataConverter, activity?.lastFailure))?.message;
}

/**
 * For each `type` activity of the order that has finished, the attempt that finished it, as its
 * history records it (Temporal writes a retried activity's started event once, with its last attempt).
 */
export async function startedAttempts(stack: TestStack, orderId: string, type: string): Promise<number[]> {
  const events = (await stack.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory()).events ?? [];
  const scheduled = new Set(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === type).map((event) => String(event.eventId)));
  return events.filter((event) => scheduled.has(String(event.activityTaskStartedEventAttributes?.scheduledEventId))).map((event) => event.activityTaskStartedEventAttributes!.attempt ?? 0);
}

/**
 * Restarts the payment worker (payment-1) with `env` over its own, e.g. its provider and its
 * database each reached through a proxy a test controls. TestStack.startWorker starts a worker
 * with the environment of the one it replaces: the entry in the stack's worker map is given the
 * new environment first, so that every later startWorker('payment', 1) (after a kill -9) uses it too.
 */
export async function restartPaymentWorkerWith(stack: TestStack, env: NodeJS.ProcessEnv): Promise<ManagedProcess> {
  const current = stack.worker('payment-1');
  await current.stop();
  stack.app.workers.set(current.name, { ...current, env: { ...current.env, ...env } });
  return stack.startWorker('payment', 1);
}
