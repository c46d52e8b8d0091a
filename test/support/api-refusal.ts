import { expect } from 'vitest';
import type { FastResponse } from './fast-app.js';

/**
 * A refusal as the API must give it: the status, the error shape with its code, and nothing of the
 * inside (a SQLSTATE, a stack frame, PostgreSQL's name, a loopback address) in what it says.
 */
export function expect4xx(response: FastResponse, status = 400, code = 'VALIDATION_FAILED'): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
  expect(response.text).not.toMatch(/SQLSTATE|at .+\.ts:\d+|postgres|127\.0\.0\.1|::1/i);
}
