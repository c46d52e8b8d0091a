import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTHORISATION_VALIDITY_MS } from './app.js';
import { parseDuration, paymentSandboxEnv } from './settings.js';

describe('the sandbox settings', () => {
  it('default to loopback port 9470, the ledger under .data and 7 days of validity', () => {
    expect(paymentSandboxEnv.parse({})).toEqual({
      PAYMENT_SANDBOX_ADDRESS: { host: '127.0.0.1', port: 9470 },
      PAYMENT_SANDBOX_LEDGER: '.data/payment-sandbox/ledger.jsonl',
      PAYMENT_SANDBOX_AUTHORISATION_VALIDITY: 7 * 24 * 3_600_000,
    });
    expect(DEFAULT_AUTHORISATION_VALIDITY_MS).toBe(7 * 24 * 3_600_000);
  });

  it('take a duration with its unit', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7')).toBeUndefined();
    expect(parseDuration('1.5d')).toBeUndefined();
    expect(paymentSandboxEnv.parse({ PAYMENT_SANDBOX_AUTHORISATION_VALIDITY: '90s' }).PAYMENT_SANDBOX_AUTHORISATION_VALIDITY).toBe(90_000);
  });

  it('accept any loopback address and refuse every other host, a bad port and a bad duration', () => {
    expect(paymentSandboxEnv.parse({ PAYMENT_SANDBOX_ADDRESS: '[::1]:9000' }).PAYMENT_SANDBOX_ADDRESS).toEqual({ host: '::1', port: 9000 });
    expect(paymentSandboxEnv.parse({ PAYMENT_SANDBOX_ADDRESS: 'localhost:9000' }).PAYMENT_SANDBOX_ADDRESS).toEqual({ host: 'localhost', port: 9000 });
    const problems = (env: Record<string, string>) => paymentSandboxEnv.safeParse(env).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({ PAYMENT_SANDBOX_ADDRESS: '0.0.0.0:9470' })).toEqual([expect.stringMatching(/^PAYMENT_SANDBOX_ADDRESS: a loopback host/)]);
    expect(problems({ PAYMENT_SANDBOX_ADDRESS: '127.0.0.1:70000' })).toEqual(['PAYMENT_SANDBOX_ADDRESS: a port from 1 to 65535']);
    expect(problems({ PAYMENT_SANDBOX_ADDRESS: '9470' })).toEqual(['PAYMENT_SANDBOX_ADDRESS: host:port']);
    expect(problems({ PAYMENT_SANDBOX_AUTHORISATION_VALIDITY: '0s' })).toEqual([expect.stringMatching(/^PAYMENT_SANDBOX_AUTHORISATION_VALIDITY: a duration/)]);
    expect(problems({ PAYMENT_SANDBOX_AUTHORISATION_VALIDITY: '400d' })).toHaveLength(1);
  });
});
