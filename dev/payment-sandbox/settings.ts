import { z } from 'zod';
import { isLoopbackHost } from '../../common/environment.js';
import { DEFAULT_AUTHORISATION_VALIDITY_MS } from './app.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `15m`, `7d`: a whole number and one unit (ms, s, m, h, d), in milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : undefined;
}

/** `host:port` (`[::1]:9470` for IPv6) as its parts. */
export function parseAddress(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator).replace(/^\[|\]$/g, ''), port: Number(address.slice(separator + 1)) };
}

const DAY_MS = 86_400_000;

/** The sandbox's settings (dev/payment-sandbox/main.ts). */
export const paymentSandboxEnv = z.object({
  /** Where it listens; loopback only: it charges no one and believes every caller. */
  PAYMENT_SANDBOX_ADDRESS: z
    .string()
    .regex(/^(\[[\da-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'host:port')
    .default('127.0.0.1:9470')
    .transform(parseAddress)
    .refine(({ host }) => isLoopbackHost(host), 'a loopback host (127.0.0.1, ::1, localhost): the sandbox believes every caller')
    .refine(({ port }) => port >= 1 && port <= 65_535, 'a port from 1 to 65535'),
  /** The ledger file, replayed at start and appended to (one JSON line per request it kept). */
  PAYMENT_SANDBOX_LEDGER: z.string().min(1).default('.data/payment-sandbox/ledger.jsonl'),
  /** How long an authorisation holds the funds: `7d` (Stripe's), `90s` to see expiry in development. */
  PAYMENT_SANDBOX_AUTHORISATION_VALIDITY: z
    .string()
    .optional()
    .transform((text, context) => {
      if (text === undefined) return DEFAULT_AUTHORISATION_VALIDITY_MS;
      const ms = parseDuration(text);
      if (ms === undefined || ms < 1 || ms > 365 * DAY_MS) {
        context.addIssue({ code: 'custom', message: 'a duration from 1ms to 365d: a whole number and ms, s, m, h or d (90s, 7d)' });
        return z.NEVER;
      }
      return ms;
    }),
});
export type PaymentSandboxConfig = z.infer<typeof paymentSandboxEnv>;
