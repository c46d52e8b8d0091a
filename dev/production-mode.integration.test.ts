import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './stack.js';
import { parseMode } from '../common/environment.js';

// Each entry point started as an operator would start it: with ORDERFLOW_ENV=production and
// a development setting left in place, it refuses to start and names every one.
const run = promisify(execFile);

async function start(entry: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--import', 'tsx', path.join(ROOT, entry), ...args], {
      cwd: ROOT,
      // A clean environment: nothing from the machine running the tests leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
      timeout: 30_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

const key = () => randomBytes(32).toString('base64');
/** A production configuration with nothing of development left. */
const production = {
  ORDERFLOW_ENV: 'production',
  JWT_JWKS_URL: 'https://idp.example.com/realms/shop/protocol/openid-connect/certs',
  JWT_ISSUER: 'https://idp.example.com/realms/shop',
  JWT_AUDIENCE: 'orderflow-api',
  PAYLOAD_ENCRYPTION_KEY: key(),
  PAYLOAD_ENCRYPTION_KEY_ID: '2026-11',
  SMTP_URL: 'smtp://mail.example.com:587',
  MAIL_FROM: 'Shop <orders@shop.example.com>',
  // Nothing listens here: a process that passes its checks fails at connecting instead.
  TEMPORAL_ADDRESS: '127.0.0.1:1',
};
/** What `npm run up` leaves in a development environment. */
const development = {
  JWT_SECRET: randomBytes(32).toString('base64url'),
  PAYLOAD_ENCRYPTION_KEY: key(),
  PAYLOAD_ENCRYPTION_KEY_ID: 'dev-1a2b3c4d',
  CODEC_LOCAL_PATH: randomBytes(18).toString('base64url'),
};

const refusal = /Production mode \(ORDERFLOW_ENV=production\) refuses development settings/;

describe('production mode refuses development settings, naming each', () => {
  it('the API: the development JWT secret, no JWKS, the development issuer and audience, a dev- key, the local codec path', async () => {
    const { code, stderr } = await start('api/server.ts', { ORDERFLOW_ENV: 'production', ...development });
    expect(code).toBe(1);
    expect(stderr).toMatch(refusal);
    for (const variable of ['JWT_SECRET', 'JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'PAYLOAD_ENCRYPTION_KEY_ID', 'CODEC_LOCAL_PATH']) {
      expect(stderr).toMatch(new RegExp(`^  ${variable}: `, 'm'));
    }
    // The message names variables; it never prints their values.
    expect(stderr).not.toContain(development.JWT_SECRET);
    expect(stderr).not.toContain(development.PAYLOAD_ENCRYPTION_KEY);
    expect(stderr).not.toContain(development.CODEC_LOCAL_PATH);
  });

  it('the API: an unnamed payload key, and a key set fetched over plain http', async () => {
    const unnamedKey: Record<string, string> = { ...production, JWT_JWKS_URL: 'http://idp.example.com/certs' };
    delete unnamedKey.PAYLOAD_ENCRYPTION_KEY_ID;
    const { code, stderr } = await start('api/server.ts', unnamedKey);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ {2}PAYLOAD_ENCRYPTION_KEY_ID: not set/m);
    expect(stderr).toMatch(/^ {2}JWT_JWKS_URL: must be https/m);
  });

  it('the notification worker: a dev- key, the .eml outbox with the development sender, and webhooks to loopback', async () => {
    const { code, stderr } = await start('workers/notification.ts', { ORDERFLOW_ENV: 'production', PAYLOAD_ENCRYPTION_KEY: key(), PAYLOAD_ENCRYPTION_KEY_ID: 'dev-1a2b3c4d', WEBHOOK_ALLOW_LOOPBACK: 'true' });
    expect(code).toBe(1);
    expect(stderr).toMatch(refusal);
    for (const variable of ['PAYLOAD_ENCRYPTION_KEY_ID', 'SMTP_URL', 'MAIL_FROM', 'WEBHOOK_ALLOW_LOOPBACK']) expect(stderr).toMatch(new RegExp(`^  ${variable}: `, 'm'));
  });

  it('the notification worker: WEBHOOK_ALLOW_LOOPBACK alone, in an otherwise production configuration', async () => {
    const { code, stderr } = await start('workers/notification.ts', { ...production, WEBHOOK_ALLOW_LOOPBACK: 'true' });
    expect(code).toBe(1);
    expect(stderr).toMatch(refusal);
    expect(stderr).toMatch(/^ {2}WEBHOOK_ALLOW_LOOPBACK: .*loopback/m);
    expect(stderr.match(/^ {2}[A-Z_]+: /gm)).toEqual(['  WEBHOOK_ALLOW_LOOPBACK: ']);
  });

  it('another worker: only what it uses (the payload key)', async () => {
    const { code, stderr } = await start('workers/inventory.ts', { ORDERFLOW_ENV: 'production', PAYLOAD_ENCRYPTION_KEY: key(), PAYLOAD_ENCRYPTION_KEY_ID: 'dev-1a2b3c4d' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ {2}PAYLOAD_ENCRYPTION_KEY_ID: /m);
    expect(stderr).not.toMatch(/SMTP_URL|JWT_/);
  });

  it('the CLI\'s token mint and the development stack', async () => {
    const token = await start('cli/orderflow.ts', { ORDERFLOW_ENV: 'production', ...development }, ['token', 'mint', '--sub', 'x', '--email', 'x@example.test']);
    expect(token.code).toBe(1);
    expect(token.stderr).toMatch(/development tokens are refused/);
    const up = await start('dev/up.ts', { ORDERFLOW_ENV: 'production' });
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/npm run up is the development stack/);
  });

  it('a production configuration passes every check (and then fails only to reach Temporal)', async () => {
    const results = await Promise.all(['api/server.ts', 'workers/notification.ts'].map((entry) => start(entry, production)));
    for (const { code, stderr } of results) {
      expect(code).toBe(1);
      expect(stderr).not.toMatch(/refuses|Invalid configuration/);
      expect(stderr).toMatch(/Fatal: .*(connect|ECONNREFUSED|transport)/is);
    }
  });
});

describe('in every mode', () => {
  it('refuses the removed CODEC_ALLOW_ANONYMOUS, and a local codec path on a non-loopback API', async () => {
    const anonymous = await start('api/server.ts', { ...development, CODEC_ALLOW_ANONYMOUS: 'true' });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^ {2}CODEC_ALLOW_ANONYMOUS: removed/m);
    const exposed = await start('api/server.ts', { ...development, API_HOST: '0.0.0.0' });
    expect(exposed.code).toBe(1);
    expect(exposed.stderr).toMatch(/^ {2}CODEC_LOCAL_PATH: .*loopback/m);
  });

  it('has no secret to fall back on: without one the API says what to set', async () => {
    const { code, stderr } = await start('api/server.ts', {});
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ {2}JWT_JWKS_URL: set JWT_JWKS_URL .* or, for development, JWT_SECRET/m);
    expect(stderr).toMatch(/^ {2}PAYLOAD_ENCRYPTION_KEY: required/m);
  });

  it('takes ORDERFLOW_ENV as the switch, and refuses NODE_ENV=production without it', () => {
    expect(parseMode({})).toBe('development');
    expect(parseMode({ ORDERFLOW_ENV: 'production' })).toBe('production');
    expect(parseMode({ ORDERFLOW_ENV: 'production', NODE_ENV: 'development' })).toBe('production');
    expect(() => parseMode({ NODE_ENV: 'production' })).toThrow(/ORDERFLOW_ENV: not set while NODE_ENV=production/);
    expect(() => parseMode({ ORDERFLOW_ENV: 'prod' })).toThrow(/neither "production" nor "development"/);
  });
});
