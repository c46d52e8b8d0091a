import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from './config.js';
import { temporalConnectionOptions, temporalDevelopmentSettings, temporalEnv } from './temporal-connection.js';

describe('the connection to Temporal', () => {
  it('is plain on the defaults, and mTLS with the files read once, the server name and the CA', async () => {
    expect(temporalConnectionOptions(parseEnv(temporalEnv, {}))).toEqual({ address: '127.0.0.1:7233' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tls-'));
    for (const name of ['client.pem', 'client.key', 'ca.pem']) await writeFile(path.join(dir, name), `${name} contents`);
    const options = temporalConnectionOptions(
      parseEnv(temporalEnv, {
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'),
        TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
        TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal-frontend',
      }),
    );
    expect(options.address).toBe('temporal.internal:7233');
    expect(options.tls?.serverNameOverride).toBe('temporal-frontend');
    expect(options.tls?.serverRootCACertificate?.toString()).toBe('ca.pem contents');
    expect(options.tls?.clientCertPair?.crt.toString()).toBe('client.pem contents');
    expect(options.tls?.clientCertPair?.key.toString()).toBe('client.key contents');
  });

  it('is TLS with an API key (Temporal Cloud), the system roots trusted', () => {
    expect(temporalConnectionOptions(parseEnv(temporalEnv, { TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key' }))).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: {}, apiKey: 'key' });
  });

  it('refuses a certificate without its key, and names a file it cannot read', () => {
    expect(() => parseEnv(temporalEnv, { TEMPORAL_TLS_CERT: '/x.pem' })).toThrow(/TEMPORAL_TLS_KEY: set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY together/);
    expect(() => temporalConnectionOptions(parseEnv(temporalEnv, { TEMPORAL_TLS_CA: '/no/such/ca.pem' }))).toThrow(/TEMPORAL_TLS_CA: cannot read \/no\/such\/ca.pem \(ENOENT\)/);
  });

  it('counts as a development setting when it leaves the machine in the clear or anonymous', () => {
    const settings = (env: NodeJS.ProcessEnv) => temporalDevelopmentSettings(parseEnv(temporalEnv, env)).map(({ variable, problem }) => `${variable}: ${problem}`);
    expect(settings({})).toEqual([]);
    expect(settings({ TEMPORAL_ADDRESS: 'temporal:7233' })).toEqual([expect.stringMatching(/^TEMPORAL_TLS_CERT: not set: the connection to Temporal at temporal:7233 is in the clear/)]);
    expect(settings({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CA: '/ca.pem' })).toEqual([expect.stringMatching(/without a client certificate or TEMPORAL_API_KEY/)]);
    expect(settings({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TLS_CERT: '/c.pem', TEMPORAL_TLS_KEY: '/c.key' })).toEqual([]);
    expect(settings({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key' })).toEqual([]);
  });
});
