import { describe, expect, it } from 'vitest';
import {
  fulfilmentStatus,
  priceOf,
  returnableLines,
  returnRefusal,
  returnStatus,
  shipmentRefusal,
  unshippedLines,
  type FulfilmentLine,
  type OrderReturn,
  type Shipment,
} from './fulfilment.contract.js';

// The rules the workflow's Update validators run before anything is written to history.
const ordered: FulfilmentLine[] = [
  { sku: 'TEE', quantity: 3 },
  { sku: 'MUG', quantity: 1 },
];

let next = 0;
const shipment = (lines: FulfilmentLine[], delivered = false): Shipment => ({
  shipmentId: `s-${(next += 1)}`,
  lines,
  carrier: 'DHL',
  trackingNumber: 'JD1',
  shippedAt: '2026-01-01T00:00:00.000Z',
  deliveredAt: delivered ? '2026-01-02T00:00:00.000Z' : null,
});
const orderReturn = (lines: FulfilmentLine[], received = false): OrderReturn => ({
  returnId: `r-${(next += 1)}`,
  lines,
  reason: 'too small',
  requestedAt: '2026-01-03T00:00:00.000Z',
  receivedAt: received ? '2026-01-04T00:00:00.000Z' : null,
  restocked: received ? true : null,
  refundCents: received ? 0 : null,
});

describe('shipments', () => {
  it('refuse a quantity that is not a whole number of at least 1, whatever is left (the workflow takes requests from more than the API)', () => {
    for (const quantity of [0, -1, 1.5, Number.NaN]) {
      expect(shipmentRefusal(ordered, [], [{ sku: 'TEE', quantity }])).toMatch(/a quantity must be a whole number of at least 1/);
      expect(returnRefusal([shipment(ordered, true)], [], [{ sku: 'TEE', quantity }])).toMatch(/a quantity must be a whole number/);
    }
  });

  it('leave what they did not ship to ship later, SKU by SKU, however the lines repeat', () => {
    expect(unshippedLines(ordered, [])).toEqual(ordered);
    expect(unshippedLines(ordered, [shipment([{ sku: 'TEE', quantity: 1 }]), shipment([{ sku: 'TEE', quantity: 1 }, { sku: 'MUG', quantity: 1 }])])).toEqual([{ sku: 'TEE', quantity: 1 }]);
    expect(unshippedLines([...ordered, { sku: 'TEE', quantity: 2 }], [shipment([{ sku: 'TEE', quantity: 4 }])])).toEqual([
      { sku: 'TEE', quantity: 1 },
      { sku: 'MUG', quantity: 1 },
    ]);
    expect(unshippedLines(ordered, [shipment(ordered)])).toEqual([]);
  });

  it('take a part of what is left, and refuse an overdraw, a SKU not ordered, or no lines', () => {
    const first = [shipment([{ sku: 'TEE', quantity: 2 }])];
    expect(shipmentRefusal(ordered, first, [{ sku: 'TEE', quantity: 1 }, { sku: 'MUG', quantity: 1 }])).toBeUndefined();
    expect(shipmentRefusal(ordered, first, [{ sku: 'TEE', quantity: 2 }])).toBe('TEE: only 1 left to ship, not 2');
    // Repeated SKUs count together.
    expect(shipmentRefusal(ordered, first, [{ sku: 'TEE', quantity: 1 }, { sku: 'TEE', quantity: 1 }])).toBe('TEE: only 1 left to ship, not 2');
    expect(shipmentRefusal(ordered, [shipment(ordered)], [{ sku: 'MUG', quantity: 1 }])).toBe('MUG: nothing left to ship');
    expect(shipmentRefusal(ordered, [], [{ sku: 'CAP', quantity: 1 }])).toBe('CAP: nothing left to ship');
    expect(shipmentRefusal(ordered, [], [])).toBe('no lines to ship');
  });

  it('set the status: PARTIALLY_SHIPPED while units are left, SHIPPED once none are, DELIVERED once every shipment arrived', () => {
    expect(fulfilmentStatus(ordered, [shipment([{ sku: 'TEE', quantity: 3 }], true)])).toBe('PARTIALLY_SHIPPED');
    expect(fulfilmentStatus(ordered, [shipment([{ sku: 'TEE', quantity: 3 }], true), shipment([{ sku: 'MUG', quantity: 1 }])])).toBe('SHIPPED');
    expect(fulfilmentStatus(ordered, [shipment([{ sku: 'TEE', quantity: 3 }], true), shipment([{ sku: 'MUG', quantity: 1 }], true)])).toBe('DELIVERED');
  });
});

describe('returns', () => {
  const delivered = [shipment([{ sku: 'TEE', quantity: 2 }], true), shipment([{ sku: 'TEE', quantity: 1 }, { sku: 'MUG', quantity: 1 }])];

  it('take only delivered units not yet asked back', () => {
    expect(returnableLines(delivered, [])).toEqual([{ sku: 'TEE', quantity: 2 }]);
    expect(returnableLines(delivered, [orderReturn([{ sku: 'TEE', quantity: 1 }])])).toEqual([{ sku: 'TEE', quantity: 1 }]);
    expect(returnRefusal(delivered, [], [{ sku: 'TEE', quantity: 2 }])).toBeUndefined();
    expect(returnRefusal(delivered, [], [{ sku: 'MUG', quantity: 1 }])).toBe('MUG: nothing left to return');
    expect(returnRefusal(delivered, [orderReturn([{ sku: 'TEE', quantity: 1 }])], [{ sku: 'TEE', quantity: 1 }, { sku: 'TEE', quantity: 1 }])).toBe('TEE: only 1 left to return, not 2');
    expect(returnRefusal(delivered, [], [])).toBe('no lines to return');
  });

  it('set the status once received: DELIVERED before any receipt, PARTIALLY_RETURNED for a part, RETURNED for every unit', () => {
    const all = [shipment(ordered, true)];
    expect(returnStatus(all, [orderReturn([{ sku: 'TEE', quantity: 3 }])])).toBe('DELIVERED');
    expect(returnStatus(all, [orderReturn([{ sku: 'TEE', quantity: 3 }], true)])).toBe('PARTIALLY_RETURNED');
    expect(returnStatus(all, [orderReturn([{ sku: 'TEE', quantity: 2 }], true), orderReturn([{ sku: 'TEE', quantity: 1 }, { sku: 'MUG', quantity: 1 }], true)])).toBe('RETURNED');
  });
});

describe('priceOf', () => {
  const priced = {
    lines: [
      { sku: 'TEE', name: 'Tee', quantity: 3, unitPriceCents: 1250, lineTotalCents: 3750 },
      { sku: 'MUG', name: 'Mug', quantity: 1, unitPriceCents: 800, lineTotalCents: 800 },
    ],
    totalCents: 4550,
    currency: 'EUR',
  };

  it('prices some units at the prices the order was confirmed with, repeated SKUs included', () => {
    expect(priceOf(priced, [{ sku: 'TEE', quantity: 1 }])).toBe(1250);
    expect(priceOf(priced, [{ sku: 'TEE', quantity: 1 }, { sku: 'MUG', quantity: 1 }, { sku: 'TEE', quantity: 1 }])).toBe(3300);
    expect(priceOf(priced, [...ordered])).toBe(priced.totalCents);
    expect(priceOf(priced, [])).toBe(0);
  });
});
