import { describe, expect, it } from 'vitest';
import { adjustmentRefusal, MAX_ON_HAND } from './contract.js';

describe('adjustmentRefusal, the stock adjustment rule (the API before it starts anything, the inventory service atomically)', () => {
  const level = { sku: 'TEE', onHand: 10, reserved: 4 };

  it('allows a restock, and a write-off down to what is reserved', () => {
    expect(adjustmentRefusal(level, 'TEE', 5)).toBeUndefined();
    expect(adjustmentRefusal(level, 'TEE', -6)).toBeUndefined();
  });

  it('refuses a SKU without a stock record, a write-off below what is reserved, and on-hand past the limit', () => {
    expect(adjustmentRefusal(undefined, 'NONE', 1)).toMatchObject({ reason: 'NOT_FOUND' });
    expect(adjustmentRefusal(level, 'TEE', -7)).toMatchObject({ reason: 'INSUFFICIENT_STOCK', message: 'On-hand of TEE cannot drop below the 4 reserved' });
    expect(adjustmentRefusal(level, 'TEE', MAX_ON_HAND - 9)).toMatchObject({ reason: 'STOCK_LIMIT_EXCEEDED' });
    expect(adjustmentRefusal(level, 'TEE', MAX_ON_HAND - 10)).toBeUndefined();
    expect(adjustmentRefusal({ ...level, reserved: 0 }, 'TEE', -11)).toMatchObject({ message: 'On-hand of TEE cannot drop below 0' });
  });
});
