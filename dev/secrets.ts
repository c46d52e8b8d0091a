import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The git-ignored data folder of a development install. */
export const DATA_DIR = fileURLToPath(new URL('../.data', import.meta.url));

const devSecretsSchema = z.object({
  JWT_SECRET: z.string().min(32),
  PAYLOAD_ENCRYPTION_KEY: z.string(),
  PAYLOAD_ENCRYPTION_KEY_ID: z.string().startsWith('dev-'),
  CODEC_LOCAL_PATH: z.string().min(16),
});
export type DevSecrets = z.infer<typeof devSecretsSchema>;

/**
 * Fresh random secrets for one development install (or one test run). Nothing secret is ever
 * committed: the key ID starts with `dev-` so that production mode can recognise and refuse it.
 */
export function generateDevSecrets(): DevSecrets {
  return {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    PAYLOAD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PAYLOAD_ENCRYPTION_KEY_ID: `dev-${randomBytes(4).toString('hex')}`,
    CODEC_LOCAL_PATH: randomBytes(18).toString('base64url'),
  };
}

/**
 * The development secrets of this install: generated on first use into `.data/dev-secrets.json`
 * (readable by its owner only) and reused after, so tokens and encrypted histories survive a
 * restart of the stack.
 */
export function loadDevSecrets(dataDir = DATA_DIR): DevSecrets {
  const file = path.join(dataDir, 'dev-secrets.json');
  try {
    return devSecretsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file} is unreadable or damaged; delete it to generate new development secrets`, { cause: error });
  }
  // Written aside, then linked into place: a second process starting at the same moment either
  // wins or reads the winner's file, never half of one.
  const secrets = generateDevSecrets();
  mkdirSync(dataDir, { recursive: true });
  const scratch = `${file}.${process.pid}.tmp`;
  writeFileSync(scratch, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(scratch, file);
    return secrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return devSecretsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } finally {
    unlinkSync(scratch);
  }
}

/** The environment with this install's development secrets filled in where the caller set none. */
export function withDevSecrets(env: NodeJS.ProcessEnv, dataDir = DATA_DIR): NodeJS.ProcessEnv {
  const secrets = loadDevSecrets(dataDir);
  const filled: NodeJS.ProcessEnv = { ...env };
  // The payload key and its ID travel together: never pair a caller's key with our ID.
  if (!env.PAYLOAD_ENCRYPTION_KEY) {
    filled.PAYLOAD_ENCRYPTION_KEY = secrets.PAYLOAD_ENCRYPTION_KEY;
    filled.PAYLOAD_ENCRYPTION_KEY_ID = secrets.PAYLOAD_ENCRYPTION_KEY_ID;
  }
  if (!env.JWT_SECRET && !env.JWT_JWKS_URL) filled.JWT_SECRET = secrets.JWT_SECRET;
  if (!env.CODEC_LOCAL_PATH) filled.CODEC_LOCAL_PATH = secrets.CODEC_LOCAL_PATH;
  return filled;
}
