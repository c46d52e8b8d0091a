import { describe, expect, it } from 'vitest';
import { temporalCliArguments } from './temporal-cli-arguments.js';

const development = { ORDERFLOW_ENV: 'development', TEMPORAL_ADDRESS: '127.0.0.1:7333', TEMPORAL_NAMESPACE: 'shop', API_PORT: '3300', CODEC_LOCAL_PATH: 'local-codec-path-123456' };

describe('the temporal wrapper', () => {
  it('adds address, namespace and the local codec after the subcommand, in development', () => {
    const { args, warnings } = temporalCliArguments(['workflow', 'show', '--workflow-id', 'order-1'], development);
    expect(args).toEqual([
      'workflow', 'show', '--workflow-id', 'order-1',
      '--address', '127.0.0.1:7333', '--namespace', 'shop', '--codec-endpoint', 'http://127.0.0.1:3300/codec/local-codec-path-123456',
    ]);
    expect(warnings).toEqual([]);
  });

  it("in production: /codec with the operator's token (in the environment, not the command line), never the local path", () => {
    const { args, childEnv } = temporalCliArguments(['workflow', 'query', '--workflow-id', 'order-1'], {
      ORDERFLOW_ENV: 'production', ORDERFLOW_API_URL: 'https://api.example.com/', ORDERFLOW_TOKEN: 'jwt', CODEC_LOCAL_PATH: 'local-codec-path-123456',
    });
    expect(args.slice(-4)).toEqual(['--namespace', 'default', '--codec-endpoint', 'https://api.example.com/codec']);
    expect(args.join(' ')).not.toContain('jwt');
    expect(childEnv).toEqual({ TEMPORAL_CODEC_AUTH: 'Bearer jwt' });
  });

  it('in production without a token: no codec, and a warning that says why', () => {
    const { args, warnings } = temporalCliArguments(['workflow', 'list'], { ORDERFLOW_ENV: 'production' });
    expect(args).not.toContain('--codec-endpoint');
    expect(warnings.join()).toMatch(/ORDERFLOW_TOKEN/);
  });

  it("keeps the user's own flags, puts ours before `--`, and leaves non-client commands alone", () => {
    const { args } = temporalCliArguments(['workflow', 'list', '--address=10.0.0.1:7233', '-n', 'other', '--', 'x'], development);
    expect(args.filter((arg) => arg.startsWith('--address'))).toEqual(['--address=10.0.0.1:7233']);
    expect(args).not.toContain('--namespace');
    expect(args.at(-1)).toBe('x');
    expect(args.at(-2)).toBe('--');
    expect(temporalCliArguments(['server', 'start-dev'], development).args).toEqual(['server', 'start-dev']);
    expect(temporalCliArguments(['--help'], development).args).toEqual(['--help']);
  });

  it('passes the TLS settings of a cluster with mTLS as the CLI\'s flags, unless given, and never the API key', () => {
    const tls = { TEMPORAL_TLS_CERT: '/certs/client.pem', TEMPORAL_TLS_KEY: '/certs/client.key', TEMPORAL_TLS_CA: '/certs/ca.pem', TEMPORAL_TLS_SERVER_NAME: 'temporal-frontend', TEMPORAL_API_KEY: 'secret-key' };
    const { args } = temporalCliArguments(['workflow', 'list', '--tls-server-name', 'other'], { ...development, ...tls });
    expect(args).toEqual(expect.arrayContaining(['--tls-cert-path', '/certs/client.pem', '--tls-key-path', '/certs/client.key', '--tls-ca-path', '/certs/ca.pem']));
    expect(args.filter((arg) => arg === '--tls-server-name')).toHaveLength(1);
    expect(args.join(' ')).not.toContain('secret-key');
  });
});
