import { afterEach, beforeEach, vi } from 'vitest';
import type { FastApp } from './fast-app.js';

/** What the CLI printed during the current test. */
export interface CliOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs a suite's CLI against the real HTTP app in memory: its fetch is routed to app.request() (no
 * network), so what it sends goes through the real routes; its output is captured per test.
 * Registers the suite's hooks; `appOf` is read at each request, so each test's own app answers.
 */
export function cliInMemory(appOf: () => FastApp): CliOutput {
  const output: CliOutput = { stdout: '', stderr: '' };
  beforeEach(() => {
    output.stdout = '';
    output.stderr = '';
    vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => appOf().app.request(input instanceof Request ? input : String(input), init));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((output.stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((output.stderr += String(chunk)), true));
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
  return output;
}
