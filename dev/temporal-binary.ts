import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureGoTool, findGoTool, onPath, TEMPORAL_CLI } from './go-binaries.js';

export { TEMPORAL_CLI_VERSION } from './temporal-versions.js';

/** TEMPORAL_CLI_PATH, then `temporal` on PATH, then our user-level cache. */
export function findTemporalBinary(): string | undefined {
  const override = process.env.TEMPORAL_CLI_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`TEMPORAL_CLI_PATH=${override} does not exist`);
    return override;
  }
  return onPath('temporal') ?? findGoTool(TEMPORAL_CLI)?.temporal;
}

/**
 * Returns a usable `temporal` binary, building it into the user-level cache with
 * `go install` the first time (a few minutes). Later runs, and CI on the same machine, reuse it.
 */
export async function ensureTemporalBinary(log: (line: string) => void = console.log): Promise<string> {
  return findTemporalBinary() ?? (await ensureGoTool(TEMPORAL_CLI, log)).temporal!;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(await ensureTemporalBinary());
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
