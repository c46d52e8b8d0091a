import { beforeEach, describe, expect, it } from 'vitest';
import { cliInMemory } from '../../test/support/cli-in-memory.js';
import { fastApp, type FastApp } from '../../test/support/fast-app.js';
import { order } from '../../test/support/memory-reads.js';
import { runCli } from '../program.js';

// `orderflow orders list` with the search's filters, against the real HTTP app in memory (the
// CLI's fetch is routed to app.request(): no network).
const API = 'http://orderflow.test';
const A1 = '00000000-0000-4000-8000-0000000000a1';
const B1 = '00000000-0000-4000-8000-0000000000b1';
const B2 = '00000000-0000-4000-8000-0000000000b2';
const line = (sku: string) => ({ sku, name: sku, quantity: 1, unitPriceCents: 100, lineTotalCents: 100 });

let app: FastApp;
const output = cliInMemory(() => app);

beforeEach(() => {
  app = fastApp();
  app.store.orders.push(
    order(A1, 'alice', { lines: [line('LAMP-1')], createdAt: '2026-11-01T10:00:00.000Z' }),
    order(B1, 'bob', { lines: [line('MUG-2')], createdAt: '2026-11-15T10:00:00.000Z' }),
    order(B2, 'bob', { lines: [line('LAMP-1')], createdAt: '2026-12-02T10:00:00.000Z' }),
  );
});

async function orderflow(...args: string[]): Promise<number> {
  await runCli(['--api-url', API, '--token', await app.token('ops', ['operator']), ...args]);
  return Number(process.exitCode ?? 0);
}

describe('orderflow orders list', () => {
  it('passes --customer, --sku, --from and --to to the search', async () => {
    expect(await orderflow('orders', 'list', '--customer', 'bob', '--sku', 'LAMP-1', '--from', '2026-12-01T00:00:00Z', '--to', '2026-12-03T00:00:00Z', '--json'), output.stderr).toBe(0);
    expect((JSON.parse(output.stdout) as { items: Array<{ orderId: string }> }).items.map((o) => o.orderId)).toEqual([B2]);
  });

  it('prints the orders of one SKU as a table, newest first', async () => {
    expect(await orderflow('orders', 'list', '--sku', 'LAMP-1'), output.stderr).toBe(0);
    expect(output.stdout.indexOf(B2)).toBeGreaterThan(-1);
    expect(output.stdout.indexOf(B2)).toBeLessThan(output.stdout.indexOf(A1));
    expect(output.stdout).not.toContain(B1);
  });

  it("the API's refusal of --from after --to is a usage error naming it, exit 2", async () => {
    expect(await orderflow('orders', 'list', '--from', '2026-12-02T00:00:00Z', '--to', '2026-12-01T00:00:00Z')).toBe(2);
    expect(output.stderr).toMatch(/^error: VALIDATION_FAILED: .*`from` must be before `to`/s);
  });
});
