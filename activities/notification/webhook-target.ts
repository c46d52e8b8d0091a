import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { webhookUrlProblem } from './webhooks.contract.js';

/**
 * Which webhook targets this deployment calls: only public unicast addresses, checked after DNS
 * (every address the name resolves to), so that a subscription cannot reach the worker's own
 * network: loopback, private ranges, link-local (the cloud metadata endpoint 169.254.169.254),
 * carrier-grade NAT, multicast, reserved, and the IPv6 forms that embed one of those. The ranges
 * are ipaddr.js's (IANA's special-purpose registries), not ours.
 */

/** A host name's addresses, all of them (A and AAAA). Injected in tests. */
export type Resolve = (host: string) => Promise<string[]>;

export const resolveWithDns: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

export interface TargetRules {
  /** Development only (WEBHOOK_ALLOW_LOOPBACK): loopback receivers, for the local stack and tests. */
  allowLoopback: boolean;
}

const RANGE_NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local (cloud metadata lives there)',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (shared address space)',
  private: 'private',
  uniqueLocal: 'private (unique local)',
  reserved: 'reserved',
};

/** Why `address` is not one this deployment calls; undefined for a public unicast address. */
export function addressProblem(address: string, rules: TargetRules): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    // ::ffff:a.b.c.d reaches the IPv4 address itself: judge that.
    if (v6.isIPv4MappedAddress()) {
      const problem = addressProblem(v6.toIPv4Address().toString(), rules);
      return problem && `${address} (IPv4-mapped): ${problem}`;
    }
    // ::a.b.c.d, IPv4-compatible (deprecated, RFC 4291): never a public unicast address today.
    if (v6.parts.slice(0, 6).every((part) => part === 0) && !['unspecified', 'loopback'].includes(v6.range())) {
      return `${address} is an IPv4-compatible address (deprecated; reserved)`;
    }
  }
  const range = ip.range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && rules.allowLoopback) return undefined;
  return `${address} is ${RANGE_NAMES[range] ?? `a special-purpose address (${range})`}`;
}

export interface CheckedTarget {
  url: URL;
  /** Every address the host resolved to, each checked: the connection goes to one of these. */
  addresses: Array<{ address: string; family: 4 | 6 }>;
}

export type TargetCheck = { ok: true; target: CheckedTarget } | { ok: false; refused: true; problem: string } | { ok: false; refused: false; problem: string };

/**
 * Checks a URL and every address its host resolves to. `refused`: a target this deployment will
 * not call (a business refusal at creation, a failure for good at an attempt); not refused: the
 * name did not resolve, which may pass.
 */
export async function checkWebhookTarget(url: string, rules: TargetRules, resolve: Resolve = resolveWithDns): Promise<TargetCheck> {
  const shape = webhookUrlProblem(url);
  if (shape) return { ok: false, refused: true, problem: `URL ${shape}` };
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      return { ok: false, refused: false, problem: `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
    }
    if (addresses.length === 0) return { ok: false, refused: false, problem: `${host} resolves to no address` };
  }
  // Every address, not only the first: a name with one public and one private address is refused.
  const problems = addresses.map((address) => addressProblem(address, rules)).filter((problem) => problem !== undefined);
  if (problems.length > 0) return { ok: false, refused: true, problem: `${isIP(host) ? '' : `${host}: `}${problems.join('; ')}` };
  return { ok: true, target: { url: parsed, addresses: addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 })) } };
}

/**
 * A `lookup` for node:http(s) that answers only the addresses already checked: the connection
 * goes where the check looked, and a DNS answer that changes in between (a rebind) is never asked
 * for. TLS still checks the certificate against the host name (SNI is the URL's host).
 */
export function pinnedLookup(addresses: CheckedTarget['addresses']): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0]!;
    if (options.all) (callback as (error: null, addresses: Array<{ address: string; family: number }>) => void)(null, addresses);
    else callback(null, first.address, first.family);
  };
}
