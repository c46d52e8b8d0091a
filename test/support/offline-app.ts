import { fastApp } from './fast-app.js';
import type { OpenApiDocument } from './openapi-contract.js';

/**
 * The API app as the server builds it, with in-memory dependencies (test/support/fast-app.ts):
 * enough to generate its OpenAPI document, and to answer any request, without a stack.
 */
export function offlineApp() {
  return fastApp().app;
}

/** The document GET /openapi.json answers (it answers 500 with the generator's error when it cannot build one). */
export async function offlineDocument(): Promise<OpenApiDocument> {
  const response = await offlineApp().request('/openapi.json');
  const body = (await response.json()) as OpenApiDocument;
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}
