import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../common/domain-error.js';
import { serviceDatabases, uniqueSku } from '../../test/support/databases.js';
import {
  adjustStock,
  commitReservation,
  findStockLevel,
  initialiseStock,
  releaseReservation,
  reserveStock,
  releaseUnshipped,
  restockReturn,
} from './repository.js';

const dbs = serviceDatabases();
const db = dbs.inventory;
afterAll(() => dbs.destroy());

const actor = 'test';
async function stocked(onHand: number) {
  const sku = uniqueSku();
  await initialiseStock(db, { sku, onHand, actor, idempotencyKey: `init:${sku}` });
  return sku;
}

/** on_hand and reserved must always equal the sum of the ledger's deltas. */
async function expectLedgerAgrees(sku: string) {
  const level = await findStockLevel(db, sku);
  const sums = await db
    .selectFrom('movements')
    .select((eb) => [eb.fn.sum<number>('on_hand_delta').as('onHand'), eb.fn.sum<number>('reserved_delta').as('reserved')])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();
  expect({ onHand: Number(sums.onHand ?? 0), reserved: Number(sums.reserved ?? 0) }).toEqual({ onHand: level?.onHand, reserved: level?.reserved });
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof DomainError ? { type: error.type, details: error.details } : error),
  );

describe('inventory repository', () => {
  it('reserves every line of an order, or none', async () => {
    const [a, b] = [await stocked(5), await stocked(1)];
    const orderId = randomUUID();
    const failure = await rejection(reserveStock(db, { orderId, lines: [{ sku: a, quantity: 2 }, { sku: b, quantity: 2 }], actor }));
    expect(failure).toEqual({ type: 'OUT_OF_STOCK', details: { skus: [b] } });
    expect(await findStockLevel(db, a)).toMatchObject({ onHand: 5, reserved: 0 });
    expect(await db.selectFrom('reservations').where('order_id', '=', orderId).selectAll().execute()).toHaveLength(0);

    const outcome = await reserveStock(db, { orderId, lines: [{ sku: a, quantity: 2 }, { sku: b, quantity: 1 }], actor });
    expect(outcome).toEqual({ changed: true, status: 'RESERVED' });
    expect(await findStockLevel(db, a)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    expect(await findStockLevel(db, b)).toMatchObject({ onHand: 1, reserved: 1, available: 0, inStock: false });
    await expectLedgerAgrees(a);
    await expectLedgerAgrees(b);
  });

  it('a replayed reserve changes nothing', async () => {
    const sku = await stocked(10);
    const orderId = randomUUID();
    await reserveStock(db, { orderId, lines: [{ sku, quantity: 3 }], actor });
    expect(await reserveStock(db, { orderId, lines: [{ sku, quantity: 3 }], actor })).toEqual({ changed: false, status: 'RESERVED' });
    expect(await findStockLevel(db, sku)).toMatchObject({ reserved: 3 });
    await expectLedgerAgrees(sku);
  });

  it('names SKUs that have no stock record', async () => {
    const failure = await rejection(reserveStock(db, { orderId: randomUUID(), lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }], actor }));
    expect(failure).toEqual({ type: 'UNKNOWN_PRODUCT', details: { skus: ['NO-SUCH-SKU'] } });
  });

  it('commit takes stock out of on-hand once', async () => {
    const sku = await stocked(10);
    const orderId = randomUUID();
    await reserveStock(db, { orderId, lines: [{ sku, quantity: 4 }], actor });
    expect(await commitReservation(db, { orderId, actor })).toEqual({ changed: true, status: 'COMMITTED' });
    expect(await commitReservation(db, { orderId, actor })).toEqual({ changed: false, status: 'COMMITTED' });
    expect(await findStockLevel(db, sku)).toMatchObject({ onHand: 6, reserved: 0 });
    await expectLedgerAgrees(sku);
  });

  it('release gives back held or committed stock, once', async () => {
    const sku = await stocked(10);
    const held = randomUUID();
    const committed = randomUUID();
    await reserveStock(db, { orderId: held, lines: [{ sku, quantity: 2 }], actor });
    await reserveStock(db, { orderId: committed, lines: [{ sku, quantity: 3 }], actor });
    await commitReservation(db, { orderId: committed, actor });
    expect(await findStockLevel(db, sku)).toMatchObject({ onHand: 7, reserved: 2 });

    expect(await releaseReservation(db, { orderId: held, actor, reason: 'cancelled' })).toEqual({ changed: true, status: 'RELEASED' });
    expect(await releaseReservation(db, { orderId: committed, actor, reason: 'cancelled' })).toEqual({ changed: true, status: 'RELEASED' });
    expect(await releaseReservation(db, { orderId: committed, actor, reason: 'cancelled' })).toEqual({ changed: false, status: 'RELEASED' });
    expect(await findStockLevel(db, sku)).toMatchObject({ onHand: 10, reserved: 0 });
    await expectLedgerAgrees(sku);
  });

  it('a reserve arriving after its release takes nothing', async () => {
    const sku = await stocked(10);
    const orderId = randomUUID();
    expect(await releaseReservation(db, { orderId, actor, reason: 'cancelled' })).toEqual({ changed: false, status: 'NONE' });
    expect(await reserveStock(db, { orderId, lines: [{ sku, quantity: 1 }], actor })).toEqual({ changed: false, status: 'RELEASED' });
    expect(await findStockLevel(db, sku)).toMatchObject({ reserved: 0 });
  });

  it('adjustments never take on-hand below reserved and apply once per key', async () => {
    const sku = await stocked(5);
    await reserveStock(db, { orderId: randomUUID(), lines: [{ sku, quantity: 4 }], actor });
    const failure = await rejection(adjustStock(db, { sku, delta: -2, reason: 'damaged', actor, idempotencyKey: randomUUID() }));
    expect(failure).toMatchObject({ type: 'INSUFFICIENT_STOCK' });

    const key = randomUUID();
    await adjustStock(db, { sku, delta: 10, reason: 'restock', actor, idempotencyKey: key });
    const replay = await adjustStock(db, { sku, delta: 10, reason: 'restock', actor, idempotencyKey: key });
    expect(replay).toMatchObject({ onHand: 15, reserved: 4, available: 11, applied: false });
    await expectLedgerAgrees(sku);
  });

  it('the schema itself refuses reserved above on-hand', async () => {
    const sku = await stocked(1);
    await expect(db.updateTable('stock').set({ reserved: 2 }).where('sku', '=', sku).execute()).rejects.toThrow(/reserved_within_on_hand/);
  });

  it('never oversells under concurrent reservations', async () => {
    const sku = await stocked(7);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => reserveStock(db, { orderId: randomUUID(), lines: [{ sku, quantity: 1 }], actor })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(7);
    expect(await findStockLevel(db, sku)).toMatchObject({ onHand: 7, reserved: 7, available: 0 });
    await expectLedgerAgrees(sku);
  });

  it('overlapping multi-line orders never deadlock or leave a partial reservation', async () => {
    const [a, b, c] = [await stocked(6), await stocked(6), await stocked(6)];
    const combos = [[a, b], [b, c], [c, a], [a, b, c]];
    const orders = Array.from({ length: 24 }, (_, i) => ({ orderId: randomUUID(), skus: combos[i % combos.length]! }));
    const results = await Promise.allSettled(
      orders.map(({ orderId, skus }) => reserveStock(db, { orderId, lines: skus.map((sku) => ({ sku, quantity: 1 })), actor })),
    );
    const reservedLines = await db.selectFrom('reservation_lines').select(['order_id', 'sku']).where('order_id', 'in', orders.map((o) => o.orderId)).execute();
    orders.forEach(({ orderId, skus }, i) => {
      const lines = reservedLines.filter((line) => line.order_id === orderId);
      expect(lines.length).toBe(results[i]!.status === 'fulfilled' ? skus.length : 0);
    });
    for (const sku of [a, b, c]) {
      const level = await findStockLevel(db, sku);
      expect(level!.reserved).toBe(reservedLines.filter((line) => line.sku === sku).length);
      expect(level!.reserved).toBeLessThanOrEqual(6);
      await expectLedgerAgrees(sku);
    }
  });

  it('a return goes back on hand once per SKU, however often it is restocked', async () => {
    const [a, b] = [await stocked(5), await stocked(5)];
    const orderId = randomUUID();
    await reserveStock(db, { orderId, lines: [{ sku: a, quantity: 3 }, { sku: b, quantity: 1 }], actor });
    await commitReservation(db, { orderId, actor });
    const returned = { orderId, returnId: randomUUID(), lines: [{ sku: a, quantity: 1 }, { sku: b, quantity: 1 }, { sku: a, quantity: 1 }], actor };
    expect(await restockReturn(db, returned)).toEqual({ changed: true });
    expect(await restockReturn(db, returned)).toEqual({ changed: false });
    expect(await findStockLevel(db, a)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
    expect(await findStockLevel(db, b)).toMatchObject({ onHand: 5, available: 5 });
    const entries = await db.selectFrom('movements').select(['sku', 'kind', 'on_hand_delta', 'idempotency_key']).where('order_id', '=', orderId).where('kind', '=', 'RETURN').execute();
    expect(entries.sort((x, y) => (x.sku < y.sku ? -1 : 1))).toEqual(
      [a, b].sort().map((sku) => ({ sku, kind: 'RETURN', on_hand_delta: sku === a ? 2 : 1, idempotency_key: `return:${returned.returnId}:${sku}` })),
    );
    await expectLedgerAgrees(a);
    await expectLedgerAgrees(b);

    // Another return of the same order is a restock of its own.
    expect(await restockReturn(db, { ...returned, returnId: randomUUID(), lines: [{ sku: b, quantity: 1 }] })).toEqual({ changed: true });
    expect(await findStockLevel(db, b)).toMatchObject({ onHand: 6 });
  });

  it('racing restocks of one return apply it once', async () => {
    const sku = await stocked(2);
    const returned = { orderId: randomUUID(), returnId: randomUUID(), lines: [{ sku, quantity: 2 }], actor };
    const results = await Promise.all(Array.from({ length: 5 }, () => restockReturn(db, returned)));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(await findStockLevel(db, sku)).toMatchObject({ onHand: 4, available: 4 });
    await expectLedgerAgrees(sku);
  });

  it('a return of a SKU with no stock record fails for good and restocks nothing', async () => {
    const sku = await stocked(1);
    const failure = await rejection(restockReturn(db, { orderId: randomUUID(), returnId: randomUUID(), lines: [{ sku, quantity: 1 }, { sku: 'NO-SUCH-SKU', quantity: 1 }], actor }));
    expect(failure).toEqual({ type: 'UNKNOWN_PRODUCT', details: { skus: ['NO-SUCH-SKU'] } });
    expect(await findStockLevel(db, sku)).toMatchObject({ onHand: 1 });
  });
  it('units that never ship go back on hand once per order and SKU, however often they are released', async () => {
    const [a, b] = [await stocked(5), await stocked(5)];
    const orderId = randomUUID();
    await reserveStock(db, { orderId, lines: [{ sku: a, quantity: 3 }, { sku: b, quantity: 2 }], actor });
    await commitReservation(db, { orderId, actor });
    const unshipped = { orderId, lines: [{ sku: a, quantity: 1 }, { sku: b, quantity: 2 }], actor };
    expect(await releaseUnshipped(db, unshipped)).toEqual({ changed: true });
    expect(await releaseUnshipped(db, unshipped)).toEqual({ changed: false });
    expect(await findStockLevel(db, a)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect(await findStockLevel(db, b)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    const entries = await db.selectFrom('movements').select(['sku', 'kind', 'on_hand_delta', 'actor', 'idempotency_key']).where('order_id', '=', orderId).where('kind', '=', 'UNSHIPPED').execute();
    expect(entries.sort((x, y) => (x.sku < y.sku ? -1 : 1))).toEqual(
      [a, b].sort().map((sku) => ({ sku, kind: 'UNSHIPPED', on_hand_delta: sku === a ? 1 : 2, actor, idempotency_key: `unshipped:${orderId}:${sku}` })),
    );
    await expectLedgerAgrees(a);
    await expectLedgerAgrees(b);
  });

  it("racing releases of one order's unshipped units apply them once", async () => {
    const sku = await stocked(4);
    const orderId = randomUUID();
    await reserveStock(db, { orderId, lines: [{ sku, quantity: 3 }], actor });
    await commitReservation(db, { orderId, actor });
    const results = await Promise.all(Array.from({ length: 5 }, () => releaseUnshipped(db, { orderId, lines: [{ sku, quantity: 2 }], actor })));
    expect(results.filter((result) => result.changed)).toHaveLength(1);
    expect(await findStockLevel(db, sku)).toMatchObject({ onHand: 3, available: 3 });
    await expectLedgerAgrees(sku);
  });
});
