import { describe, expect, it } from 'vitest';
import { couldExceedOrderTotal, MAX_ORDER_TOTAL_CENTS, MAX_PRICE_CENTS, priceLines, type PriceListEntry } from './contract.js';

const catalog = (entries: Record<string, Partial<PriceListEntry>>) =>
  new Map(Object.entries(entries).map(([sku, entry]) => [sku, { name: `Product ${sku}`, priceCents: 100, currency: 'EUR', active: true, ...entry }]));

describe('priceLines, the pricing rule (the product worker and the API both call it)', () => {
  it('snapshots each line and totals the order', () => {
    expect(priceLines([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }], catalog({ A: { priceCents: 1999 }, B: { priceCents: 250 } }))).toEqual({
      ok: true,
      value: {
        lines: [
          { sku: 'A', name: 'Product A', quantity: 2, unitPriceCents: 1999, lineTotalCents: 3998 },
          { sku: 'B', name: 'Product B', quantity: 3, unitPriceCents: 250, lineTotalCents: 750 },
        ],
        totalCents: 4748,
        currency: 'EUR',
      },
    });
  });

  it.each([
    ['UNKNOWN_PRODUCT', [{ sku: 'GONE', quantity: 1 }], catalog({})],
    ['INACTIVE_PRODUCT', [{ sku: 'A', quantity: 1 }], catalog({ A: { active: false } })],
    ['MIXED_CURRENCY', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }], catalog({ A: {}, B: { currency: 'USD' } })],
    ['ORDER_TOO_LARGE', [{ sku: 'A', quantity: 11 }], catalog({ A: { priceCents: MAX_PRICE_CENTS } })],
  ])('refuses with %s', (reason, lines, products) => {
    expect(priceLines(lines, products)).toMatchObject({ ok: false, reason });
  });

  it('takes a total of exactly the limit', () => {
    expect(priceLines([{ sku: 'A', quantity: 10 }], catalog({ A: { priceCents: MAX_ORDER_TOTAL_CENTS / 10 } }))).toMatchObject({ ok: true, value: { totalCents: MAX_ORDER_TOTAL_CENTS } });
  });
});

describe('couldExceedOrderTotal: whether the API needs to read prices at all', () => {
  it('is false while even the dearest products could not pass the limit, true past that', () => {
    const items = MAX_ORDER_TOTAL_CENTS / MAX_PRICE_CENTS;
    expect(couldExceedOrderTotal([{ sku: 'A', quantity: items }])).toBe(false);
    expect(couldExceedOrderTotal([{ sku: 'A', quantity: items }, { sku: 'B', quantity: 1 }])).toBe(true);
  });
});
