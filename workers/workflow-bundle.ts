import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { parseEnv, workflowEnv } from '../common/config.js';
import { FAILURE_CONVERTER_PATH } from '../common/payload-codec.js';

export const WORKFLOWS_ENTRY = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The OpenTelemetry plugin's workflow interceptors. With a prebuilt bundle they must be bundled in
 * here: the plugin adds them only to workers that bundle workflow code themselves.
 */
export const TRACING_WORKFLOW_INTERCEPTORS = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry-v2/lib/workflow-interceptors');

export interface BundleOptions {
  /** Whether the workflows make spans (the default); off only to prove replays do not depend on it. */
  tracing?: boolean;
}

/** The workflow code as one script. */
export async function bundleWorkflows({ tracing = true }: BundleOptions = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_ENTRY,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: tracing ? [TRACING_WORKFLOW_INTERCEPTORS] : [],
    logger: quietLogger,
  });
  return code;
}

/** Bundles the workflow code once, so that order workers start without webpack. */
export async function buildWorkflowBundle(outFile: string, options: BundleOptions = {}): Promise<string> {
  const code = await bundleWorkflows(options);
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return outFile;
}

const noop = () => {};
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? parseEnv(workflowEnv).WORKFLOW_BUNDLE_PATH);
  const started = Date.now();
  await buildWorkflowBundle(out);
  console.log(`workflow bundle written to ${path.relative(process.cwd(), out)} in ${Date.now() - started} ms`);
}
