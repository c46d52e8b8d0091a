import os from 'node:os';
import path from 'node:path';
import { authEnv, ConfigError, parseEnv } from '../../common/config.js';
import { parseMode } from '../../common/environment.js';
import { mintToken, tokenConfig, type Role } from '../../common/tokens.js';
import { withLocalClusterClientEnv } from '../../dev/cluster/client-env.js';
import { withDevSecrets } from '../../dev/secrets.js';
import { CliError, usageError } from './errors.js';

/**
 * The environment with this install's development secrets filled in (development mode only).
 * When the caller set every one of them (tests, CI), the secrets file is not even read.
 */
export function environmentWithSecrets(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (parseMode(env) !== 'development') return env;
  // DATA_DIR: the folder `npm run up` was given, where it keeps dev-secrets.json.
  const dataDir = env.DATA_DIR ? path.resolve(env.DATA_DIR) : undefined;
  const withCluster = withLocalClusterClientEnv(env, dataDir);
  const complete = (env.JWT_SECRET || env.JWT_JWKS_URL) && env.PAYLOAD_ENCRYPTION_KEY && env.CODEC_LOCAL_PATH;
  return complete ? withCluster : withDevSecrets(withCluster, dataDir);
}

/** Who the CLI acts as when it mints its own token: `--as`, else the login name (it lands in the stock ledger). */
export function defaultSubject(): string {
  try {
    return os.userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

/** Mints a development token (HS256, this install's secret). Refused in production mode. */
export async function mintDevelopmentToken(
  principal: { sub: string; email: string; roles: Role[] },
  expiresIn: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (parseMode(env) === 'production') {
    throw new ConfigError('Production mode (ORDERFLOW_ENV=production): development tokens are refused; get tokens from your identity provider');
  }
  const config = tokenConfig(parseEnv(authEnv, environmentWithSecrets(env)));
  if (!config.secret) throw new CliError('JWT_SECRET is not set: only HS256 development tokens can be minted here');
  try {
    return await mintToken(principal, { ...config, secret: config.secret }, expiresIn);
  } catch (error) {
    // jose refuses an unreadable duration ("12 parsecs"): the one input that can make it throw.
    throw usageError(`cannot mint a token: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The bearer token for an API call that needs `role`: `--token` or ORDERFLOW_TOKEN, else (in
 * development mode only) a short-lived token minted from this install's secrets for `--as`.
 */
export async function bearerToken(given: { token?: string; as?: string }, role: Role, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (given.token) return given.token;
  if (parseMode(env) === 'production') {
    throw usageError(`a token is required in production mode (ORDERFLOW_ENV=production): pass --token or set ORDERFLOW_TOKEN to a token with the ${role} role from your identity provider`);
  }
  const sub = given.as ?? defaultSubject();
  return mintDevelopmentToken({ sub, email: `${sub.replace(/[^\w.+-]/g, '_')}@orderflow.local`, roles: [role] }, '15m', env);
}
