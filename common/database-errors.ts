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
