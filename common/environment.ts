import { ConfigError } from './config-error.js';

export type Mode = 'development' | 'production';

/** A development convenience in force, named by the variable that puts it there. */
export interface DevelopmentSetting {
  variable: string;
  problem: string;
}

/**
 * The one switch: `ORDERFLOW_ENV=production`. NODE_ENV is not the switch (tooling sets it for
 * other reasons), but NODE_ENV=production without ORDERFLOW_ENV is refused rather than guessed:
 * a deployment that meant production must not quietly run in development mode.
 */
export function parseMode(env: NodeJS.ProcessEnv = process.env): Mode {
  const value = env.ORDERFLOW_ENV;
  if (value === 'production' || value === 'development') return value;
  if (value !== undefined && value !== '') {
    throw new ConfigError(`Invalid configuration:\n  ORDERFLOW_ENV: "${value}" is neither "production" nor "development"`);
  }
  if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid configuration:\n  ORDERFLOW_ENV: not set while NODE_ENV=production; set ORDERFLOW_ENV=production (or development, on purpose)',
    );
  }
  return 'development';
}

/** Variables that once existed and would now be silently ignored: refused in every mode. */
const REMOVED: Record<string, string> = {
  CODEC_ALLOW_ANONYMOUS: 'removed: the codec is for operators and admins; the local Web UI uses CODEC_LOCAL_PATH, which npm run up sets',
};

/**
 * Checks a process's environment at start-up: the mode, no removed variable, and in production
 * mode none of the development settings the process reports. Returns the mode.
 */
export function checkEnvironment(env: NodeJS.ProcessEnv, settings: DevelopmentSetting[]): Mode {
  const mode = parseMode(env);
  const removed = Object.entries(REMOVED).filter(([variable]) => env[variable] !== undefined);
  if (removed.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${removed.map(([variable, problem]) => `  ${variable}: ${problem}`).join('\n')}`);
  }
  refuseDevelopmentSettings(mode, settings);
  return mode;
}

/**
 * In production mode, refuses to start while any development setting is in force, naming every
 * one of them at once. In development mode the settings stand.
 */
export function refuseDevelopmentSettings(mode: Mode, settings: DevelopmentSetting[]): void {
  if (mode !== 'production' || settings.length === 0) return;
  const lines = settings.map(({ variable, problem }) => `  ${variable}: ${problem}`);
  throw new ConfigError(`Production mode (ORDERFLOW_ENV=production) refuses development settings:\n${lines.join('\n')}`);
}

/** Whether a host name or address is this machine's loopback (development conveniences only bind there). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}
