/**
 * A business outcome, not a fault: retrying cannot change it. Repositories throw it; the
 * worker bootstrap turns it into a non-retryable ApplicationFailure of the same type.
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
