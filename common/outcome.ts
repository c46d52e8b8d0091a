import { DomainError } from './domain-error.js';
import { isRejectionReason, type RejectionReason } from './failures.js';

/**
 * A business outcome returned, not thrown: an order rejected for lack of stock is a completed
 * activity with a result, so that activity failures (in the Web UI, in the SDK's metrics)
 * only ever mean something is broken. Pure data: workflows import the type.
 */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: RejectionReason; message: string };

/** Runs the work; a DomainError whose type rejects an order becomes `{ ok: false }`, anything else still throws. */
export async function rejectionAsResult<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof DomainError && isRejectionReason(error.type)) return { ok: false, reason: error.type, message: error.message };
    throw error;
  }
}

/** Whether an activity's result is a returned rejection (for interceptors, which see results untyped). */
export const isRejectedOutcome = (result: unknown): result is { ok: false; reason: RejectionReason; message: string } =>
  typeof result === 'object' && result !== null && 'ok' in result && result.ok === false;
