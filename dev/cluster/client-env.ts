import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR } from '../secrets.js';

/**
 * While `npm run up -- --cluster` runs, how to reach its Temporal (the load balancer, the app's
 * client certificate), so that the operator's CLI and `npm run temporal` connect with no setup.
 */
const clientEnvFile = (dataDir = DATA_DIR) => path.join(dataDir, 'cluster', 'client-env.json');

export async function publishClusterClientEnv(env: Record<string, string>, dataDir?: string): Promise<void> {
  await writeFile(clientEnvFile(dataDir), `${JSON.stringify(env, null, 2)}\n`, { mode: 0o600 });
}

export async function withdrawClusterClientEnv(dataDir?: string): Promise<void> {
  await rm(clientEnvFile(dataDir), { force: true });
}

/** What the running cluster published (address, namespace, TLS files), or nothing when none runs. */
export function publishedClusterClientEnv(dataDir?: string): Record<string, string> | undefined {
  const file = clientEnvFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : undefined;
}

/** The environment, with the running cluster's client settings where the caller chose no Temporal of their own (development only). */
export function withLocalClusterClientEnv(env: NodeJS.ProcessEnv, dataDir?: string): NodeJS.ProcessEnv {
  const published = publishedClusterClientEnv(dataDir);
  if (env.TEMPORAL_ADDRESS !== undefined || !published) return env;
  return { ...published, ...env };
}
