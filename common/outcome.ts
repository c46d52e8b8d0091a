import { DomainError } from './domain-error.js';

/**
 * A business outcome returned, not thrown: an order rejected for lack of stock is a completed
 * activity with a result, so that activity failures (in the Web UI, in the SDK's metrics)
 * only ever mean something is broken. `R` is the contract's list of reasons. Pure data:
 * workflows import the type.
 */
export type Outcome<T, R extends string = string> = { ok: true; value: T } | { ok: false; reason: R; message: string };

/** Runs the work; a DomainError of one of `reasons` becomes `{ ok: false }`, anything else still throws. */
export async function refusalAsResult<T, R extends string>(reasons: readonly R[], work: () => Promise<T>): Promise<Outcome<T, R>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof DomainError && (reasons as readonly string[]).includes(error.type)) return { ok: false, reason: error.type as R, message: error.message };
    throw error;
  }
}

/** Whether an activity's result is a returned refusal (for interceptors, which see results untyped). */
export const isRejectedOutcome = (result: unknown): result is { ok: false; reason: string; message: string } =>
  typeof result === 'object' && result !== null && 'ok' in result && result.ok === false;
