import { describe, expect, it } from 'vitest';
import { addressProblem, checkWebhookTarget, pinnedLookup, type Resolve } from './webhook-target.js';

const strict = { allowLoopback: false };
const development = { allowLoopback: true };

/** DNS as the test says it is: no network. */
const dns = (records: Record<string, string[]>): Resolve => async (host) => {
  const addresses = records[host];
  if (!addresses) throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses;
};

describe('addressProblem: only public unicast addresses', () => {
  it.each([
    ['169.254.169.254', /link-local/],
    ['127.0.0.1', /loopback/],
    ['10.0.0.1', /private/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/],
    ['255.255.255.255', /broadcast/],
    ['224.0.0.1', /multicast/],
    ['240.0.0.1', /reserved/],
    ['192.0.2.1', /reserved/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['::ffff:127.0.0.1', /IPv4-mapped.*loopback/],
    ['::ffff:169.254.169.254', /IPv4-mapped.*link-local/],
    ['::127.0.0.1', /loopback/],
    ['::7f00:1', /IPv4-compatible/],
    ['::a9fe:a9fe', /IPv4-compatible/],
    ['fe80::1', /link-local/],
    ['fd00::1', /unique local/],
    ['fd00:ec2::254', /unique local/],
    ['fc00::1', /unique local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /reserved/],
  ])('refuses %s', (address, why) => {
    expect(addressProblem(address, strict)).toMatch(why);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(addressProblem(address, strict)).toBeUndefined();
  });

  it('allows loopback, and only loopback, with WEBHOOK_ALLOW_LOOPBACK', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(addressProblem(address, development)).toBeUndefined();
    for (const address of ['169.254.169.254', '10.0.0.1', '192.168.1.1', 'fd00::1', '0.0.0.0']) expect(addressProblem(address, development)).toBeDefined();
  });
});

describe('checkWebhookTarget', () => {
  const resolve = dns({
    'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'localhost': ['127.0.0.1', '::1'],
    'rebind.example.com': ['93.184.215.14', '10.0.0.7'],
    'metadata.example.com': ['169.254.169.254'],
  });

  it('resolves the host and keeps every checked address', async () => {
    const check = await checkWebhookTarget('https://hooks.example.com/in?x=1', strict, resolve);
    expect(check).toMatchObject({ ok: true, target: { addresses: [{ address: '93.184.215.14', family: 4 }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }] } });
  });

  it('refuses a name with any address that is not public, naming it', async () => {
    expect(await checkWebhookTarget('https://rebind.example.com/', strict, resolve)).toEqual({ ok: false, refused: true, problem: 'rebind.example.com: 10.0.0.7 is private' });
    expect(await checkWebhookTarget('http://metadata.example.com/latest', strict, resolve)).toMatchObject({ ok: false, refused: true, problem: expect.stringMatching(/169\.254\.169\.254 is link-local/) });
    expect(await checkWebhookTarget('http://localhost:8080/', strict, resolve)).toMatchObject({ ok: false, refused: true });
    expect(await checkWebhookTarget('http://localhost:8080/', development, resolve)).toMatchObject({ ok: true });
  });

  it('checks IP literals without DNS, in any of the forms a URL normalises', async () => {
    const never: Resolve = () => Promise.reject(new Error('no DNS for a literal'));
    for (const url of ['http://169.254.169.254/', 'http://127.0.0.1/', 'http://2130706433/', 'http://0x7f.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[fe80::1]/']) {
      expect(await checkWebhookTarget(url, strict, never), url).toMatchObject({ ok: false, refused: true });
    }
    expect(await checkWebhookTarget('http://[::1]:9000/', development, never)).toMatchObject({ ok: true, target: { addresses: [{ address: '::1', family: 6 }] } });
  });

  it('refuses what is not an http(s) URL without userinfo within the length', async () => {
    expect(await checkWebhookTarget('ftp://hooks.example.com/', strict, resolve)).toMatchObject({ ok: false, refused: true, problem: 'URL not an http(s) URL' });
    expect(await checkWebhookTarget('https://user:pw@hooks.example.com/', strict, resolve)).toMatchObject({ ok: false, refused: true, problem: 'URL carries a user name or password' });
    expect(await checkWebhookTarget(`https://hooks.example.com/${'a'.repeat(2048)}`, strict, resolve)).toMatchObject({ ok: false, refused: true });
    expect(await checkWebhookTarget('not a url', strict, resolve)).toMatchObject({ ok: false, refused: true, problem: 'URL not a URL' });
  });

  it('a name that does not resolve is not a refusal (DNS may be down for a moment)', async () => {
    expect(await checkWebhookTarget('https://gone.example.com/', strict, resolve)).toEqual({ ok: false, refused: false, problem: 'gone.example.com does not resolve (ENOTFOUND)' });
  });
});

describe('pinnedLookup', () => {
  it('answers only the checked addresses, one or all as asked', () => {
    const lookup = pinnedLookup([{ address: '93.184.215.14', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }]);
    const answers: unknown[] = [];
    lookup('rebound.example.com', { all: true }, (_error, addresses) => answers.push(addresses));
    lookup('rebound.example.com', {}, (_error, address, family) => answers.push([address, family]));
    expect(answers).toEqual([
      [{ address: '93.184.215.14', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }],
      ['93.184.215.14', 4],
    ]);
  });
});
