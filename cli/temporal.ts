import { spawn } from 'node:child_process';
import { ConfigError } from '../common/config.js';
import { runMain } from '../common/main.js';
import { findTemporalBinary } from '../dev/temporal-binary.js';
import { environmentWithSecrets } from './support/credentials.js';
import { temporalCliArguments } from './support/temporal-cli-arguments.js';

/**
 * `npm run -s temporal -- <args>`: the Temporal CLI that `npm run up` built
 * (~/.cache/orderflow/temporal-cli-<version>/temporal), pointed at this install's Temporal
 * and namespace, with payloads decoded through the API's codec.
 */
runMain(async () => {
  const binary = findTemporalBinary();
  if (!binary) throw new ConfigError('No Temporal CLI found: run `npm run up` once (it builds one into ~/.cache/orderflow), or set TEMPORAL_CLI_PATH');
  const { args, warnings, childEnv } = temporalCliArguments(process.argv.slice(2), environmentWithSecrets(process.env));
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const child = spawn(binary, args, { stdio: 'inherit', env: { ...process.env, ...childEnv } });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  process.exit(code);
});
