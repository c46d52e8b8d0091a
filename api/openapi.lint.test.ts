import { fileURLToPath } from 'node:url';
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { offlineDocument } from '../test/support/offline-app.js';
import { operationsOf, type OpenApiDocument } from '../test/support/openapi-contract.js';

// The document GET /openapi.json serves, built from the app itself (no stack needed).
let document: OpenApiDocument;
beforeAll(async () => {
  document = await offlineDocument();
});

describe('the OpenAPI document', () => {
  it("is clean under Redocly's recommended rules: no error, no warning (overrides, with reasons, in redocly.yaml)", async () => {
    const config = await loadConfig({ configPath: fileURLToPath(new URL('../redocly.yaml', import.meta.url)) });
    const problems = await lintFromString({ source: JSON.stringify(document, null, 2), absoluteRef: 'openapi.json', config });
    expect(problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`)).toEqual([]);
  });

  it('names every operation and says who may call it', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(10);
    expect(new Set(operations.map((op) => op.operationId)).size).toBe(operations.length);
    for (const { operationId, operation } of operations) {
      expect(operation.tags, operationId).toHaveLength(1);
      // Public operations say so; the others inherit the document's bearer requirement.
      expect(operation.security ?? document.security, operationId).toBeDefined();
    }
    expect(document.security).toEqual([{ bearerAuth: [] }]);
  });

  it('declares what the middleware answers on every operation, and what a JSON body adds', () => {
    for (const { operationId, operation } of operationsOf(document)) {
      const statuses = Object.keys(operation.responses);
      // A token sent to any operation is checked; the identity provider may be out of reach.
      expect(statuses, operationId).toEqual(expect.arrayContaining(['401', '500', '503']));
      if (operation.requestBody) expect(statuses, operationId).toEqual(expect.arrayContaining(['400', '413', '415']));
      if (operation.parameters?.length) expect(statuses, operationId).toContain('400');
    }
  });

  it('keeps the shared error responses in components, each with the error schema', () => {
    const responses = document.components.responses as Record<string, { content: Record<string, { schema: unknown }> }>;
    expect(Object.keys(responses).sort()).toEqual(
      ['BadRequest', 'Conflict', 'Forbidden', 'InternalError', 'NotFound', 'PayloadTooLarge', 'RateLimited', 'Unauthenticated', 'Unavailable', 'UnsupportedMediaType'].sort(),
    );
    for (const response of Object.values(responses)) expect(response.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/Error' });
  });
});
