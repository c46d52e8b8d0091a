import { hc } from 'hono/client';
import type { AppType } from './app.js';

export interface ApiClientOptions {
  /** A bearer token; without one the client is anonymous. */
  token?: string;
  headers?: Record<string, string>;
  /** A fetch of the caller's (a timeout, a connection of its own). */
  fetch?: typeof fetch;
}

/**
 * The API's one typed client: Hono's RPC client over the app's own route types (AppType), so a
 * call's path, parameters, body and each declared answer are checked by the compiler against
 * the routes themselves. The operator CLI and the end-to-end tests call the API through it.
 */
export function createApiClient(baseUrl: string, { token, headers, fetch }: ApiClientOptions = {}) {
  return hc<AppType>(baseUrl, {
    headers: { accept: 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...headers },
    ...(fetch && { fetch }),
  });
}

export type ApiClient = ReturnType<typeof createApiClient>;
