import { afterAll, describe, expect, it } from 'vitest';
import { runActivity as run, silentLog } from '../../test/support/activity.js';
import { serviceDatabases, uniqueSku } from '../../test/support/databases.js';
import { createProductActivities } from './activities.js';
import { findProduct, insertProduct, listProducts, updateProduct } from './repository.js';

const dbs = serviceDatabases();
const db = dbs.product;
afterAll(() => dbs.destroy());
const activities = createProductActivities({ db, log: silentLog });

async function product(priceCents: number, currency = 'EUR') {
  const sku = uniqueSku('P');
  await insertProduct(db, { sku, name: `Product ${sku}`, priceCents, currency });
  return sku;
}

describe('priceOrder', () => {
  it('snapshots names and prices and totals the order', async () => {
    const [a, b] = [await product(1999), await product(250)];
    const priced = await run(activities.priceOrder, [{ sku: a, quantity: 2 }, { sku: b, quantity: 3 }]);
    expect(priced).toEqual({ ok: true, value: {
      lines: [
        { sku: a, name: `Product ${a}`, quantity: 2, unitPriceCents: 1999, lineTotalCents: 3998 },
        { sku: b, name: `Product ${b}`, quantity: 3, unitPriceCents: 250, lineTotalCents: 750 },
      ],
      totalCents: 4748,
      currency: 'EUR',
    } });
  });

  it.each([
    ['UNKNOWN_PRODUCT', async () => [{ sku: 'NOPE-404', quantity: 1 }]],
    ['INACTIVE_PRODUCT', async () => {
      const sku = await product(100);
      await updateProduct(db, sku, { active: false });
      return [{ sku, quantity: 1 }];
    }],
    ['MIXED_CURRENCY', async () => [{ sku: await product(100, 'EUR'), quantity: 1 }, { sku: await product(100, 'USD'), quantity: 1 }]],
  ])('refuses with %s, as a result', async (reason, lines) => {
    expect(await run(activities.priceOrder, await lines())).toMatchObject({ ok: false, reason });
  });
});

describe('product repository', () => {
  it('insert reports an existing SKU instead of overwriting it', async () => {
    const sku = await product(100);
    expect(await insertProduct(db, { sku, name: 'Other', priceCents: 1, currency: 'EUR' })).toBe(false);
    expect(await findProduct(db, sku)).toMatchObject({ name: `Product ${sku}`, priceCents: 100 });
  });

  it('lists active products by SKU with search and a cursor that walks every page once', async () => {
    const tag = uniqueSku('LIST');
    for (let i = 0; i < 5; i += 1) await insertProduct(db, { sku: `${tag}-${i}`, name: `Listed ${tag} ${i}`, priceCents: 100, currency: 'EUR' });
    await updateProduct(db, `${tag}-2`, { active: false });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listProducts(db, { q: tag.toLowerCase(), limit: 2, ...(cursor && { cursor }) });
      seen.push(...page.items.map((p) => p.sku));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([`${tag}-0`, `${tag}-1`, `${tag}-3`, `${tag}-4`]);
  });

  it('treats LIKE wildcards in a search as plain text', async () => {
    const page = await listProducts(db, { q: '%', limit: 5 });
    expect(page.items.every((p) => p.name.includes('%') || p.sku.includes('%'))).toBe(true);
  });
});

describe('product creation and update activities', () => {
  it('checkSkuAvailable refuses a taken SKU only (PRODUCT_EXISTS, as a result)', async () => {
    const taken = await product(100);
    expect(await run(activities.checkSkuAvailable, { sku: taken })).toMatchObject({ ok: false, reason: 'PRODUCT_EXISTS' });
    expect(await run(activities.checkSkuAvailable, { sku: uniqueSku('FREE') })).toEqual({ ok: true, value: null });
  });

  it('createProduct is idempotent: a retry returns the row its first attempt made', async () => {
    const sku = uniqueSku('NEW');
    const input = { sku, name: 'Kettle', description: 'Boils', priceCents: 3900, currency: 'EUR' };
    const first = await run(activities.createProduct, input);
    const retry = await run(activities.createProduct, input);
    expect(first).toMatchObject({ sku, name: 'Kettle', description: 'Boils', priceCents: 3900, active: true });
    expect(retry).toEqual(first);
  });

  it('updateProduct changes only the given fields, and NOT_FOUND for an unknown SKU', async () => {
    const sku = await product(500);
    const updated = await run(activities.updateProduct, { sku, changes: { priceCents: 650, active: false } });
    expect(updated).toMatchObject({ ok: true, value: { sku, name: `Product ${sku}`, priceCents: 650, active: false } });
    expect(await run(activities.updateProduct, { sku: uniqueSku('NONE'), changes: { name: 'x' } })).toMatchObject({ ok: false, reason: 'NOT_FOUND' });
  });
});
