import type { Context } from 'hono';
import { ApplicationFailure, isGrpcServiceError } from '@temporalio/client';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { dataErrorCode, isDatabaseUnavailable } from '../common/database-errors.js';
import { INVENTORY_FAILURE } from '../activities/inventory/contract.js';
import { ORDER_FAILURE } from '../activities/order/contract.js';
import { PRODUCT_FAILURE } from '../activities/product/contract.js';
import { WEBHOOK_FAILURE } from '../activities/notification/webhooks.contract.js';
import { INVALID_DATA } from '../common/domain-error.js';
import type { Logger } from '../common/logger.js';
import { InvalidCursorError } from '../common/pagination.js';

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'INTERNAL'
  | 'UNAVAILABLE';

export interface ErrorDetail {
  path?: string;
  message: string;
}

/** An error the client should see, in the API's one error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(404, 'NOT_FOUND', `${what} not found`);
export const conflict = (message: string, details: ErrorDetail[] = []) => new ApiError(409, 'CONFLICT', message, details);
export const validationFailed = (message: string, details: ErrorDetail[] = []) => new ApiError(400, 'VALIDATION_FAILED', message, details);

export function errorBody(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
  return { error: { code, message, details } };
}

const statusCodes: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

export const GRPC = { cancelled: 1, deadlineExceeded: 4, unavailable: 14 } as const;

/** Whether a gRPC status with one of `codes` is anywhere in the error's cause chain (the SDK wraps them). */
export function hasGrpcStatus(error: unknown, ...codes: number[]): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (isGrpcServiceError(cause) && codes.includes(cause.code)) return true;
  }
  return false;
}

const NETWORK_ERRORS = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE'];

/** Temporal or PostgreSQL out of reach: the client should retry, not report a bug. */
function isDependencyUnavailable(error: Error): boolean {
  // CANCELLED: the connection under the call went away (a Temporal node killed, the load balancer
  // cutting its sessions); the API never cancels its own calls. Whether the call took effect is
  // unknown, which is what a retry with the same Idempotency-Key is for.
  if (hasGrpcStatus(error, GRPC.cancelled, GRPC.deadlineExceeded, GRPC.unavailable) || isDatabaseUnavailable(error)) return true;
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (NETWORK_ERRORS.includes((cause as NodeJS.ErrnoException).code ?? '')) return true;
    // pg: the pool could not connect in time, or the server went away mid-query.
    if (/timeout exceeded when trying to connect|Connection terminated/i.test(cause.message)) return true;
  }
  return false;
}

/**
 * The one table from failure types (the `type` of the ApplicationFailure a workflow, activity or
 * update raised) to HTTP. A `message` here replaces the failure's own, where that would tell a
 * client about our internals.
 */
const FAILURE_RESPONSES: Partial<Record<string, { status: ContentfulStatusCode; code: ErrorCode; message?: string; path?: string }>> = {
  [PRODUCT_FAILURE.productExists]: { status: 409, code: 'CONFLICT' },
  // The inventory's NOT_FOUND (no stock record) is the same type.
  [PRODUCT_FAILURE.notFound]: { status: 404, code: 'NOT_FOUND' },
  [INVENTORY_FAILURE.insufficientStock]: { status: 409, code: 'CONFLICT', path: 'delta' },
  [INVENTORY_FAILURE.stockLimitExceeded]: { status: 409, code: 'CONFLICT', path: 'delta' },
  [ORDER_FAILURE.notCancellable]: { status: 409, code: 'CONFLICT' },
  // The fulfilment Updates' validators: the order cannot take this step now, or has no such shipment or return.
  [ORDER_FAILURE.notShippable]: { status: 409, code: 'CONFLICT' },
  [ORDER_FAILURE.notReturnable]: { status: 409, code: 'CONFLICT' },
  [ORDER_FAILURE.unknownShipment]: { status: 404, code: 'NOT_FOUND' },
  [ORDER_FAILURE.unknownReturn]: { status: 404, code: 'NOT_FOUND' },
  [INVALID_DATA]: { status: 400, code: 'VALIDATION_FAILED', message: 'The request holds data that cannot be stored' },
  // The failure's own message may name the address the host resolved to: nothing a client needs.
  [WEBHOOK_FAILURE.targetRefused]: {
    status: 400,
    code: 'VALIDATION_FAILED',
    message: 'The webhook URL is refused: its host is, or resolves to, an address this deployment does not call (only public addresses are)',
    path: 'url',
  },
  [WEBHOOK_FAILURE.notFound]: { status: 404, code: 'NOT_FOUND' },
  [WEBHOOK_FAILURE.limitReached]: { status: 409, code: 'CONFLICT' },
};

/** A failure type as the client sees it, through the one table; undefined for a type it does not name. */
function mappedFailure(type: string, message: string): ApiError | undefined {
  const mapped = FAILURE_RESPONSES[type];
  if (!mapped) return undefined;
  const said = mapped.message ?? message;
  return new ApiError(mapped.status, mapped.code, said, mapped.path ? [{ path: mapped.path, message: said }] : []);
}

/** A refusal a workflow or service returned (a result, not a failure), as the API answers it. */
export function refusalError(reason: string, message: string): Error {
  return mappedFailure(reason, message) ?? new Error(`No HTTP answer for the refusal ${reason}: ${message}`);
}

/** The first ApplicationFailure in the cause chain (WorkflowFailedError > ActivityFailure > ApplicationFailure). */
function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof ApplicationFailure) return cause;
  }
  return undefined;
}

/** An error as the client should see it, or undefined for a fault of ours or of a dependency. */
function toApiError(error: Error): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    const code = statusCodes[error.status] ?? 'INTERNAL';
    return new ApiError(error.status as ContentfulStatusCode, code, error.message || code);
  }
  if (error instanceof InvalidCursorError) return validationFailed('Invalid cursor', [{ path: 'cursor', message: error.message }]);
  const failure = applicationFailureOf(error);
  const mapped = failure?.type ? mappedFailure(failure.type, failure.message) : undefined;
  if (mapped) return mapped;
  // A query parameter PostgreSQL cannot even compare (reads go straight to the database).
  if (dataErrorCode(error) !== undefined) return validationFailed('A request parameter is not valid');
  return undefined;
}

/** The one place errors become responses. Unknown errors are logged and answered without detail. */
export function handleError(log: Logger) {
  return (error: Error, c: Context) => {
    const known = toApiError(error);
    if (known) {
      for (const [name, value] of Object.entries(known.headers)) c.header(name, value);
      return c.json(errorBody(known.code, known.message, known.details), known.status);
    }
    if (isDependencyUnavailable(error)) {
      (c.get('log') ?? log).warn({ err: error }, 'dependency unavailable');
      c.header('Retry-After', '5');
      return c.json(errorBody('UNAVAILABLE', 'A service this request needs is unavailable; retry shortly (with the same Idempotency-Key)'), 503);
    }
    (c.get('log') ?? log).error({ err: error }, 'unhandled error');
    return c.json(errorBody('INTERNAL', 'Internal server error'), 500);
  };
}
