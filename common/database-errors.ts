// SQLSTATEs that mean "this data can never be stored or compared", not "the database is down":
// class 22 (data exception: NUL byte, bad UTF-8, out of range, bad date or UUID) and the
// integrity violations that only bad input causes (NOT NULL, CHECK).
const BAD_INPUT_INTEGRITY_VIOLATIONS = new Set(['23502', '23514']);

/** The SQLSTATE of a PostgreSQL error that bad data caused, anywhere in the cause chain; else undefined. */
export function dataErrorCode(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && (code.startsWith('22') || BAD_INPUT_INTEGRITY_VIOLATIONS.has(code))) {
      return code;
    }
  }
  return undefined;
}

// SQLSTATEs that mean "the database cannot serve us right now": connection exceptions (class 08),
// insufficient resources (class 53: too many connections, out of memory or disk) and the server
// shutting down or starting up (57P01-57P03). Retry later; they are never the request's fault.
const UNAVAILABLE_STATES = /^(08|53)|^57P0[123]$/;

/** Whether a PostgreSQL error anywhere in the cause chain says the database is unavailable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_STATES.test(code)) return true;
  }
  return false;
}
