/**
 * A business outcome, not a fault: retrying cannot change it. Repositories throw it; the
 * activity returns it as a refusal (common/outcome.ts) or the worker bootstrap turns it into a
 * non-retryable ApplicationFailure of the same type.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly type: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * PostgreSQL refused the data itself (SQLSTATE class 22, or a NOT NULL/CHECK violation): a retry
 * would fail the same way forever, so any service's activity fails with it, non-retryable. It is
 * a fault (something let the data through), not a business outcome.
 */
export const INVALID_DATA = 'INVALID_DATA';
