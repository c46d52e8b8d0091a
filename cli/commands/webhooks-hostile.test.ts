import { beforeEach, describe, expect, it } from 'vitest';
import { cliInMemory } from '../../test/support/cli-in-memory.js';
import { fastApp, type FastApp } from '../../test/support/fast-app.js';
import { webhookDelivery, webhookSubscription } from '../../test/support/memory-reads.js';
import { runCli } from '../program.js';

// `orderflow webhooks …` given hostile arguments, against the real HTTP app in memory: each is a
// usage error (exit 2) or the API's refusal, with nothing started or signalled and no stack printed.
const SUB = '5d0c3a0e-7f1b-4c2a-9e8d-1a2b3c4d5e6f';
const OTHER_SUB = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const OTHER_DELIVERY = 'd9e8f7a6-b5c4-4d3e-8f2a-1b0c9d8e7f6a';
const ORDER = '0b7f6f3e-5a43-4c3e-9d57-6a0c1b2d3e4f';

let app: FastApp;
const output = cliInMemory(() => app);
let admin: string;

beforeEach(async () => {
  app = fastApp();
  app.store.webhookSubscriptions.push(webhookSubscription(SUB), webhookSubscription(OTHER_SUB));
  app.store.webhookDeliveries.push(webhookDelivery(OTHER_DELIVERY, OTHER_SUB, { orderId: ORDER }));
  admin = await app.token('root', ['admin']);
});

async function orderflow(...args: string[]): Promise<number> {
  await runCli(['--api-url', 'http://orderflow.test', '--token', admin, ...args]);
  return Number(process.exitCode ?? 0);
}

function expectNothingDone() {
  expect(app.temporal.untouched).toBe(true);
  expect(output.stderr).not.toMatch(/at .+\.ts:\d+|SQLSTATE/);
}

describe('orderflow webhooks, hostile arguments', () => {
  it.each([
    ['port 0', 'https://hooks.example.com:0/'],
    ['a NUL byte', 'https://hooks.example.com/\u0000'],
    ['an escape sequence', 'https://hooks.example.com/\u001b[2J'],
    ['javascript:', 'javascript:alert(1)'],
    ['file:', 'file:///etc/passwd'],
    ['port 65536', 'https://hooks.example.com:65536/'],
    ['an empty URL', ''],
  ])('create --url with %s: the API refuses it, exit 2', async (_name, url) => {
    expect(await orderflow('webhooks', 'create', '--url', url, '--event', 'order.placed')).toBe(2);
    expect(output.stderr).toMatch(/^error: VALIDATION_FAILED/m);
    expectNothingDone();
  });

  it('update --url with port 0 or a control character: refused, exit 2', async () => {
    for (const url of ['https://hooks.example.com:0/', 'https://hooks.example.com/\u0085']) {
      expect(await orderflow('webhooks', 'update', SUB, '--url', url)).toBe(2);
    }
    expectNothingDone();
  });

  it.each([
    ['a path that climbs', '../../orders'],
    ['a NUL', '\u0000'],
    ['a query', `${SUB}?x=1`],
    ['not a UUID', 'not-a-uuid'],
  ])('an <id> with %s stays one path segment: refused, exit 2', async (_name, id) => {
    for (const args of [
      ['update', id, '--disabled'],
      ['delete', id],
      ['deliveries', id],
      ['redeliver', id, OTHER_DELIVERY],
      ['redeliver', SUB, id],
    ]) {
      expect(await orderflow('webhooks', ...args), args.join(' ')).toBe(2);
    }
    expectNothingDone();
  });

  it("redeliver of another subscription's delivery is NOT_FOUND, exit 1, nothing signalled", async () => {
    expect(await orderflow('webhooks', 'redeliver', SUB, OTHER_DELIVERY)).toBe(1);
    expect(output.stderr).toMatch(/^error: NOT_FOUND/m);
    expectNothingDone();
  });

  it.each([['0'], ['101'], ['-1'], ['1e3'], ['abc']])('list and deliveries --limit %s: a usage error, exit 2', async (limit) => {
    expect(await orderflow('webhooks', 'list', '--limit', limit)).toBe(2);
    expect(await orderflow('webhooks', 'deliveries', SUB, '--limit', limit)).toBe(2);
    expectNothingDone();
  });

  it('a made-up --cursor is the API’s 400, exit 2', async () => {
    expect(await orderflow('webhooks', 'list', '--cursor', 'garbage')).toBe(2);
    expect(await orderflow('webhooks', 'deliveries', SUB, '--cursor', '%00')).toBe(2);
    expectNothingDone();
  });
});
