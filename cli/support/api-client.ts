import { CliError, EXIT_FAILURE, EXIT_USAGE, usageError, type ErrorDetail } from './errors.js';

interface ApiErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

const isApiErrorBody = (value: unknown): value is ApiErrorBody =>
  typeof value === 'object' && value !== null && 'error' in value && typeof (value as ApiErrorBody).error?.code === 'string';

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
}

/**
 * The HTTP API as the CLI sees it: JSON in and out, a bearer token when it has one, and every
 * failure (an error body, a status without one, no answer at all) turned into a CliError.
 */
export class ApiClient {
  private readonly baseUrl: URL;

  constructor(
    baseUrl: string,
    private readonly token?: string,
  ) {
    try {
      this.baseUrl = new URL(baseUrl);
    } catch {
      throw usageError(`not a URL: ${baseUrl} (--api-url or ORDERFLOW_API_URL)`);
    }
  }

  get<T>(pathname: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', pathname, options);
  }

  post<T>(pathname: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', pathname, options);
  }

  patch<T>(pathname: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', pathname, options);
  }

  async request<T>(method: string, pathname: string, { body, query, headers }: RequestOptions = {}): Promise<T> {
    const url = new URL(pathname.replace(/^\//, ''), this.baseUrl.href.endsWith('/') ? this.baseUrl : `${this.baseUrl.href}/`);
    for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(this.token && { authorization: `Bearer ${this.token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw unreachable(this.baseUrl.origin, error);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (response.ok) return parsed as T;
    // 400 is bad input (like a usage error); anything else is a failure.
    const exitCode = response.status === 400 ? EXIT_USAGE : EXIT_FAILURE;
    if (isApiErrorBody(parsed)) throw new CliError(`${parsed.error.code}: ${parsed.error.message}`, exitCode, parsed.error.details ?? []);
    throw new CliError(`${method} ${url.pathname}: HTTP ${response.status} ${response.statusText}`, exitCode);
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function unreachable(origin: string, error: unknown): CliError {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : undefined;
  const why = code ?? (error instanceof Error ? error.message : String(error));
  return new CliError(`cannot reach the API at ${origin} (${why}); is it running (npm run up)? Set --api-url or ORDERFLOW_API_URL`);
}
