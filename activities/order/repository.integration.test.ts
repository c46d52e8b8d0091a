import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../common/domain-error.js';
import { serviceDatabases } from '../../test/support/databases.js';
import { cancelOrder, confirmOrder, findOrder, insertOrder, rejectOrder } from './repository.js';

const dbs = serviceDatabases();
const db = dbs.order;
afterAll(() => dbs.destroy());

const newOrder = (customerId = `c-${randomUUID()}`) => ({
  orderId: randomUUID(),
  customerId,
  customerEmail: 'c@example.com',
  lines: [{ sku: 'A-1', quantity: 2 }, { sku: 'B-2', quantity: 1 }],
});

describe('order repository', () => {
  it('records an order once', async () => {
    const order = newOrder();
    expect(await insertOrder(db, order)).toBe(true);
    expect(await insertOrder(db, order)).toBe(false);
    expect(await findOrder(db, order.orderId)).toMatchObject({
      status: 'PENDING',
      lines: [{ sku: 'A-1', quantity: 2, name: null }, { sku: 'B-2', quantity: 1, name: null }],
    });
  });

  it('confirms with a price snapshot; a replay is a no-op', async () => {
    const order = newOrder();
    await insertOrder(db, order);
    const priced = {
      lines: [
        { sku: 'A-1', name: 'A', quantity: 2, unitPriceCents: 100, lineTotalCents: 200 },
        { sku: 'B-2', name: 'B', quantity: 1, unitPriceCents: 50, lineTotalCents: 50 },
      ],
      totalCents: 250,
      currency: 'EUR',
    };
    expect(await confirmOrder(db, order.orderId, priced)).toEqual({ changed: true });
    expect(await confirmOrder(db, order.orderId, priced)).toEqual({ changed: false });
    expect(await findOrder(db, order.orderId)).toMatchObject({ status: 'CONFIRMED', totalCents: 250, currency: 'EUR', lines: [{ name: 'A', lineTotalCents: 200 }, { name: 'B' }] });
  });

  it('refuses transitions out of a final state', async () => {
    const order = newOrder();
    await insertOrder(db, order);
    await rejectOrder(db, order.orderId, 'OUT_OF_STOCK');
    const error = await cancelOrder(db, { orderId: order.orderId, reason: 'customer', actor: { kind: 'customer', id: order.customerId } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ type: 'INVALID_ORDER_STATE', details: { status: 'REJECTED' } });
    expect(await findOrder(db, order.orderId)).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
  });
});
