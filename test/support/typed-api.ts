import type { ClientResponse } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';

/** The body a response union declares for its success statuses. */
type SuccessBody<R> = R extends ClientResponse<infer Body, infer Status, 'json'> ? (Status extends SuccessStatusCode ? Body : never) : never;

/**
 * A typed client call's answer as tests assert on it: status, headers and the parsed body, typed
 * as the operation's success answers (a test checks the status before it trusts the body).
 */
export async function read<R extends ClientResponse<unknown>>(call: Promise<R>): Promise<{ status: number; headers: Headers; body: SuccessBody<R> }> {
  const response = await call;
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as SuccessBody<R> };
}
