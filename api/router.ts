import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from './context.js';
import { validationFailed } from './errors.js';

/** A sub-app whose validation failures all become the API's 400 VALIDATION_FAILED shape. */
export function createRouter() {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw validationFailed(
          'Request validation failed',
          result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        );
      }
    },
  });
}
