/** Exit codes: 1 for a failure, 2 for a usage or validation error (as commander and the API's 400 mean it). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface ErrorDetail {
  path?: string;
  message: string;
}

/**
 * An expected failure: the CLI prints `error: <message>` (and its details), never a stack trace,
 * and exits with `exitCode`.
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT_USAGE);

/** The lines `error: …` and one `  - path: message` per detail. */
export function formatCliError(error: CliError): string {
  const details = error.details.map((detail) => `  - ${detail.path ? `${detail.path}: ` : ''}${detail.message}`);
  return [`error: ${error.message}`, ...details].join('\n');
}
