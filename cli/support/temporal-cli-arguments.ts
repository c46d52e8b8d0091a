import { ConfigError } from '../../common/config.js';
import { parseMode } from '../../common/environment.js';

/** Command groups that talk to a Temporal service and so take the client flags. */
const CLIENT_COMMANDS = new Set(['activity', 'batch', 'operator', 'schedule', 'task-queue', 'worker', 'workflow']);

const TLS_FLAGS = [
  ['TEMPORAL_TLS_CERT', '--tls-cert-path'],
  ['TEMPORAL_TLS_KEY', '--tls-key-path'],
  ['TEMPORAL_TLS_CA', '--tls-ca-path'],
  ['TEMPORAL_TLS_SERVER_NAME', '--tls-server-name'],
] as const;

const given = (args: string[], ...flags: string[]) => args.some((arg) => flags.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));

/** The API the codec is served by: ORDERFLOW_API_URL, else API_HOST and API_PORT as the API itself reads them. */
export const apiBaseUrl = (env: NodeJS.ProcessEnv) => (env.ORDERFLOW_API_URL ?? `http://${env.API_HOST ?? '127.0.0.1'}:${env.API_PORT ?? '3000'}`).replace(/\/+$/, '');

/**
 * The Temporal CLI's arguments for this install: the user's, then (for client commands, and
 * only where the user did not set them) --address, --namespace and the codec, so that payloads
 * are shown decrypted. Development: the local codec path from the dev secrets (no token);
 * production: /codec with the operator's ORDERFLOW_TOKEN (passed as TEMPORAL_CODEC_AUTH). The flags go after the subcommand, as
 * the Temporal CLI wants them, and before any `--`.
 */
export function temporalCliArguments(args: string[], env: NodeJS.ProcessEnv): { args: string[]; warnings: string[]; childEnv: NodeJS.ProcessEnv } {
  if (!CLIENT_COMMANDS.has(args[0] ?? '')) return { args, warnings: [], childEnv: {} };
  const added: string[] = [];
  const childEnv: NodeJS.ProcessEnv = {};
  const warnings: string[] = [];
  if (!given(args, '--address')) added.push('--address', env.TEMPORAL_ADDRESS || '127.0.0.1:7233');
  if (!given(args, '--namespace', '-n')) added.push('--namespace', env.TEMPORAL_NAMESPACE || 'default');
  // The app's TLS settings (a cluster with mTLS); TEMPORAL_API_KEY reaches the CLI through the environment, never argv.
  for (const [variable, flag] of TLS_FLAGS) {
    if (env[variable] && !given(args, flag)) added.push(flag, env[variable]);
  }
  if (!given(args, '--codec-endpoint')) {
    if (parseMode(env) === 'development') {
      if (!env.CODEC_LOCAL_PATH) throw new ConfigError('CODEC_LOCAL_PATH is not set (npm run up generates it into .data/dev-secrets.json)');
      added.push('--codec-endpoint', `${apiBaseUrl(env)}/codec/${env.CODEC_LOCAL_PATH}`);
    } else if (env.ORDERFLOW_TOKEN) {
      added.push('--codec-endpoint', `${apiBaseUrl(env)}/codec`);
      // Through the environment, not the command line, which every local user can read (ps).
      childEnv.TEMPORAL_CODEC_AUTH = `Bearer ${env.ORDERFLOW_TOKEN}`;
    } else {
      warnings.push('ORDERFLOW_TOKEN is not set: payloads stay encrypted (the codec needs an operator\'s token in production mode)');
    }
  }
  const end = args.indexOf('--');
  return end === -1 ? { args: [...args, ...added], warnings, childEnv } : { args: [...args.slice(0, end), ...added, ...args.slice(end)], warnings, childEnv };
}
