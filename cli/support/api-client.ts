import { DetailedError, parseResponse, type ClientResponse } from 'hono/client';
import { createApiClient, type ApiClient } from '../../api/client.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE, usageError, type ErrorDetail } from './errors.js';

interface ApiErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

const isApiErrorBody = (value: unknown): value is ApiErrorBody =>
  typeof value === 'object' && value !== null && 'error' in value && typeof (value as ApiErrorBody).error?.code === 'string';

const TIMEOUT_MS = 60_000;

/**
 * The API as the CLI sees it: the one typed client (api/client.ts), with a bearer token when it
 * has one, a timeout, and no answer at all turned into a CliError that says where it looked.
 */
export function cliApiClient(baseUrl: string, token?: string): ApiClient {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw usageError(`not a URL: ${baseUrl} (--api-url or ORDERFLOW_API_URL)`);
  }
  const fetchOrExplain: typeof fetch = async (input, init) => {
    try {
      return await fetch(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw unreachable(url.origin, error);
    }
  };
  return createApiClient(url.href, { ...(token && { token }), fetch: fetchOrExplain });
}

/**
 * The body of a successful answer; any other answer becomes a CliError with the API's error
 * code, message and details (400 exits like a usage error, anything else as a failure).
 */
export async function answer<R extends ClientResponse<unknown>>(response: Promise<R>) {
  try {
    return await parseResponse(response);
  } catch (error) {
    if (!(error instanceof DetailedError)) throw error;
    const status = Number(error.statusCode);
    const body = (error.detail as { data?: unknown } | undefined)?.data;
    const exitCode = status === 400 ? EXIT_USAGE : EXIT_FAILURE;
    if (isApiErrorBody(body)) throw new CliError(`${body.error.code}: ${body.error.message}`, exitCode, body.error.details ?? []);
    throw new CliError(`HTTP ${error.message}`, exitCode);
  }
}

/**
 * A path parameter as the typed client needs it: it puts parameters into the URL as they are
 * (a `/` or `?` would change the path, an empty one drops its segment), so they are encoded here.
 */
export function pathParam(value: string, name: string): string {
  if (value === '') throw usageError(`${name} must not be empty`);
  return encodeURIComponent(value);
}

function unreachable(origin: string, error: unknown): CliError {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : undefined;
  const why = code ?? (error instanceof Error ? error.message : String(error));
  return new CliError(`cannot reach the API at ${origin} (${why}); is it running (npm run up)? Set --api-url or ORDERFLOW_API_URL`);
}
