import type { OpenAPIHono, z } from '@hono/zod-openapi';
import { ErrorSchema } from './schemas.js';

/**
 * The responses the API's middleware and error table can give any route, declared once in
 * `components.responses` (and their headers in `components.headers`). Routes reference them with
 * `errors(...)`, which may say in the route's own words what the status means there.
 */
const SHARED = {
  400: { name: 'BadRequest', code: 'VALIDATION_FAILED', description: 'The request is not valid (the details say which part and why); nothing was changed or started' },
  401: { name: 'Unauthenticated', code: 'UNAUTHENTICATED', description: 'No bearer token where one is needed, or a token that is malformed, invalid or expired' },
  403: { name: 'Forbidden', code: 'FORBIDDEN', description: 'The token is valid but grants none of the roles this operation needs' },
  404: { name: 'NotFound', code: 'NOT_FOUND', description: 'No such resource (or one this principal may not see)' },
  409: { name: 'Conflict', code: 'CONFLICT', description: 'The request conflicts with the current state' },
  413: { name: 'PayloadTooLarge', code: 'PAYLOAD_TOO_LARGE', description: 'The body is larger than the API accepts (API_BODY_LIMIT_BYTES, 64 KiB by default)' },
  415: { name: 'UnsupportedMediaType', code: 'UNSUPPORTED_MEDIA_TYPE', description: 'A body was sent whose Content-Type is not application/json' },
  429: { name: 'RateLimited', code: 'RATE_LIMITED', description: "Past this principal's rate limit; retry after Retry-After seconds" },
  500: { name: 'InternalError', code: 'INTERNAL', description: 'A fault of ours: logged, answered without detail' },
  503: {
    name: 'Unavailable',
    code: 'UNAVAILABLE',
    description: 'A dependency (Temporal, PostgreSQL, the identity provider) is out of reach, or a workflow is taking longer than the API waits; retry (with the same Idempotency-Key where the operation takes one)',
  },
} as const;

export type ErrorStatus = keyof typeof SHARED;

/** Response headers, declared once: by component name, with the header each one is. */
const HEADERS = {
  RequestId: { header: 'X-Request-Id', description: "The request's ID, also on its log line", required: true, schema: { type: 'string' } },
  RetryAfter: { header: 'Retry-After', description: 'Seconds until the limit lets this principal through', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } },
  RetryAfterHint: { header: 'Retry-After', description: 'Seconds to wait before retrying, when the server can tell', required: false, schema: { type: 'string', pattern: '^[0-9]+$' } },
  Location: { header: 'Location', description: 'Where the created (or accepted) resource is', required: true, schema: { type: 'string', format: 'uri-reference' } },
  PreferenceApplied: { header: 'Preference-Applied', description: 'The `Prefer: wait=N` the server honoured', required: true, schema: { type: 'string', pattern: '^wait=[0-9]+$' } },
} as const;

type HeaderName = keyof typeof HEADERS;

/** Headers of a response: X-Request-Id always, and any of the others named. */
export const responseHeaders = (...names: Array<Exclude<HeaderName, 'RequestId'>>) =>
  Object.fromEntries((['RequestId', ...names] as HeaderName[]).map((name) => [HEADERS[name].header, { $ref: `#/components/headers/${name}` }]));

/** Registers the shared responses, their error schema and headers with a document's registry. */
export function registerSharedResponses(registry: OpenAPIHono['openAPIRegistry']): void {
  registry.register('Error', ErrorSchema);
  for (const [name, { header: _, ...header }] of Object.entries(HEADERS)) registry.registerComponent('headers', name, header);
  for (const [status, { name, code, description }] of Object.entries(SHARED)) {
    const headers = status === '429' ? responseHeaders('RetryAfter') : status === '503' ? responseHeaders('RetryAfterHint') : responseHeaders();
    registry.registerComponent('responses', name, {
      description,
      headers,
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/Error' },
          example: { error: { code, message: description, details: [] } },
        },
      },
    });
  }
}

type ErrorRef = { $ref: string; description?: string };

/**
 * References to shared error responses, each with what it means for this route or `true` for the
 * shared description: `errors({ 400: true, 404: 'No such order' })`.
 */
export function errors<const T extends Partial<Record<ErrorStatus, string | true>>>(entries: T): { [K in keyof T]: ErrorRef } {
  return Object.fromEntries(
    Object.entries(entries).map(([status, text]) => [
      status,
      { $ref: `#/components/responses/${SHARED[Number(status) as ErrorStatus].name}`, ...(typeof text === 'string' && { description: text }) },
    ]),
  ) as { [K in keyof T]: ErrorRef };
}

/**
 * What every operation can answer whatever it does: a token that is sent must be valid (401),
 * the identity provider that checks it may be out of reach (503), and a fault of ours is a 500.
 */
export const ANY_OPERATION = errors({ 401: true, 500: true, 503: true });

/** The same for an operation that needs no token (`security: []`). */
export const PUBLIC_OPERATION = errors({ 401: 'A token was sent and is not valid (this operation needs none)', 500: true, 503: true });

/** What any operation that reads a JSON body adds: malformed JSON (400), too large (413), not JSON (415). */
export const JSON_BODY = errors({ 400: true, 413: true, 415: true });

/** A JSON response with the API's headers. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string, ...headers: Parameters<typeof responseHeaders>) => ({
  description,
  headers: responseHeaders(...headers),
  content: { 'application/json': { schema } },
});
