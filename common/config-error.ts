/** A configuration problem: entry points print its message (no stack trace) and exit 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
