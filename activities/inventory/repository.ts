import { sql, type Kysely } from 'kysely';
import { DomainError } from '../../common/domain-error.js';
import { adjustmentRefusal, INVENTORY_FAILURE, MAX_ON_HAND, type ReservationLine, type ReservationOutcome, type ReservationStatus, type StockLevel } from './contract.js';
import type { InventoryDatabase, InventoryDb } from './schema.js';

export interface Actor {
  actor: string;
}

const toLevel = (row: { sku: string; on_hand: number; reserved: number }): StockLevel => ({
  sku: row.sku,
  onHand: row.on_hand,
  reserved: row.reserved,
  available: row.on_hand - row.reserved,
  inStock: row.on_hand - row.reserved > 0,
});

export async function findStockLevel(db: InventoryDb, sku: string): Promise<StockLevel | undefined> {
  const row = await db.selectFrom('stock').select(['sku', 'on_hand', 'reserved']).where('sku', '=', sku).executeTakeFirst();
  return row && toLevel(row);
}

export async function findStockLevels(db: InventoryDb, skus: readonly string[]): Promise<Map<string, StockLevel>> {
  if (skus.length === 0) return new Map();
  const rows = await db.selectFrom('stock').select(['sku', 'on_hand', 'reserved']).where('sku', 'in', [...skus]).execute();
  return new Map(rows.map((row) => [row.sku, toLevel(row)]));
}

/** Creates the stock record for a new SKU; a replay with the same key changes nothing. */
export async function initialiseStock(
  db: Kysely<InventoryDatabase>,
  { sku, onHand, actor, idempotencyKey }: { sku: string; onHand: number; idempotencyKey: string } & Actor,
): Promise<StockLevel> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('stock')
      .values({ sku, on_hand: onHand })
      .onConflict((oc) => oc.column('sku').doNothing())
      .returning(['sku', 'on_hand', 'reserved'])
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx.selectFrom('stock').select(['sku', 'on_hand', 'reserved']).where('sku', '=', sku).executeTakeFirstOrThrow();
      return toLevel(existing);
    }
    if (onHand > 0) {
      await trx
        .insertInto('movements')
        .values({ sku, kind: 'INITIAL', on_hand_delta: onHand, reserved_delta: 0, order_id: null, reason: 'initial stock', actor, idempotency_key: idempotencyKey })
        .execute();
    }
    return toLevel(inserted);
  });
}

/** The ledger key under which an adjustment request is applied once. */
export const adjustmentLedgerKey = (requestId: string) => `adjust:${requestId}`;

/** Whether the adjustment with this request ID is already in the ledger. */
export async function isAdjustmentApplied(db: InventoryDb, requestId: string): Promise<boolean> {
  return (await db.selectFrom('movements').select('id').where('idempotency_key', '=', adjustmentLedgerKey(requestId)).executeTakeFirst()) !== undefined;
}

/**
 * Restock (+) or write-off (-), within the adjustment rule (contract.ts), checked atomically;
 * applied at most once per idempotency key (a replay returns the current level).
 */
export async function adjustStock(
  db: Kysely<InventoryDatabase>,
  { sku, delta, reason, actor, idempotencyKey }: { sku: string; delta: number; reason: string; idempotencyKey: string } & Actor,
): Promise<StockLevel & { applied: boolean }> {
  return db.transaction().execute(async (trx) => {
    const replay = await trx.selectFrom('movements').select('id').where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
    if (!replay) {
      const row = await trx
        .updateTable('stock')
        .set({ on_hand: sql`on_hand + ${delta}`, updated_at: sql`now()` })
        .where('sku', '=', sku)
        .where(sql<boolean>`on_hand + ${delta} >= reserved`)
        .where(sql<boolean>`on_hand + ${delta} <= ${MAX_ON_HAND}`)
        .returning('sku')
        .executeTakeFirst();
      if (!row) {
        const refusal = adjustmentRefusal(await findStockLevel(trx, sku), sku, delta);
        if (!refusal) throw new Error(`Adjustment of ${sku} refused by the database but not by the rule`);
        throw new DomainError(refusal.reason, refusal.message, { sku });
      }
      await trx
        .insertInto('movements')
        .values({ sku, kind: 'ADJUSTMENT', on_hand_delta: delta, reserved_delta: 0, order_id: null, reason, actor, idempotency_key: idempotencyKey })
        .execute();
    }
    const level = await findStockLevel(trx, sku);
    if (!level) throw new DomainError(INVENTORY_FAILURE.notFound, `No stock record for ${sku}`, { sku });
    return { ...level, applied: !replay };
  });
}

const bySku = (a: ReservationLine, b: ReservationLine) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

/**
 * Reserves every line of an order in one transaction, or none. Stock rows are locked in SKU
 * order so that concurrent multi-line orders cannot deadlock. Idempotent per order: a replay
 * (or a reserve after a release) finds the order's row and changes nothing.
 */
export async function reserveStock(
  db: Kysely<InventoryDatabase>,
  { orderId, lines, actor }: { orderId: string; lines: ReservationLine[] } & Actor,
): Promise<ReservationOutcome> {
  return db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('reservations')
      .values({ order_id: orderId, status: 'RESERVED' })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .returning('order_id')
      .executeTakeFirst();
    if (!created) {
      const existing = await trx.selectFrom('reservations').select('status').where('order_id', '=', orderId).executeTakeFirstOrThrow();
      return { changed: false, status: existing.status };
    }

    const sorted = [...lines].sort(bySku);
    const short: string[] = [];
    for (const line of sorted) {
      const row = await trx
        .updateTable('stock')
        .set({ reserved: sql`reserved + ${line.quantity}`, updated_at: sql`now()` })
        .where('sku', '=', line.sku)
        .where(sql<boolean>`on_hand - reserved >= ${line.quantity}`)
        .returning('sku')
        .executeTakeFirst();
      if (!row) short.push(line.sku);
    }
    if (short.length > 0) {
      const known = await findStockLevels(trx, short);
      const unknown = short.filter((sku) => !known.has(sku));
      if (unknown.length > 0) throw new DomainError(INVENTORY_FAILURE.unknownProduct, `No stock record for ${unknown.join(', ')}`, { skus: unknown });
      throw new DomainError(INVENTORY_FAILURE.outOfStock, `Not enough stock for ${short.join(', ')}`, { skus: short });
    }

    // The lines and their ledger entries in one statement.
    await trx
      .with('lines', (db) => db.insertInto('reservation_lines').values(sorted.map((line) => ({ order_id: orderId, ...line }))))
      .insertInto('movements')
      .values(sorted.map((line) => ({ sku: line.sku, kind: 'RESERVE' as const, on_hand_delta: 0, reserved_delta: line.quantity, order_id: orderId, reason: 'order placed', actor, idempotency_key: null })))
      .execute();
    return { changed: true, status: 'RESERVED' };
  });
}

/**
 * Locks the reservation and reads its lines in one query; undefined if there is none. The lines
 * come back in the order reserveStock locks stock rows (bySku, code-unit order; not the database's
 * collation, which may differ), so that every path takes them in one order: no deadlocks.
 */
async function lockReservation(trx: InventoryDb, orderId: string) {
  const rows = await trx
    .selectFrom('reservations')
    .leftJoin('reservation_lines', 'reservation_lines.order_id', 'reservations.order_id')
    .select(['reservations.status', 'reservation_lines.sku', 'reservation_lines.quantity'])
    .where('reservations.order_id', '=', orderId)
    .forUpdate('reservations')
    .execute();
  if (rows.length === 0) return undefined;
  const lines = rows.flatMap(({ sku, quantity }) => (sku !== null && quantity !== null ? [{ sku, quantity }] : [])).sort(bySku);
  return { status: rows[0]!.status, lines };
}

async function setReservationStatus(trx: InventoryDb, orderId: string, status: ReservationStatus) {
  await trx.updateTable('reservations').set({ status, updated_at: sql`now()` }).where('order_id', '=', orderId).execute();
}

/** Reserved stock leaves the warehouse: on-hand and reserved both drop. Idempotent. */
export async function commitReservation(db: Kysely<InventoryDatabase>, { orderId, actor }: { orderId: string } & Actor): Promise<ReservationOutcome> {
  return db.transaction().execute(async (trx) => {
    const reservation = await lockReservation(trx, orderId);
    if (!reservation) throw new DomainError(INVENTORY_FAILURE.notFound, `No reservation for order ${orderId}`, { orderId });
    if (reservation.status === 'COMMITTED') return { changed: false, status: 'COMMITTED' };
    if (reservation.status === 'RELEASED') {
      throw new DomainError(INVENTORY_FAILURE.reservationReleased, `Reservation for order ${orderId} was released`, { orderId });
    }
    // One statement per stock row, in the order reserveStock locks them: no deadlocks.
    for (const line of reservation.lines) {
      await trx
        .updateTable('stock')
        .set({ on_hand: sql`on_hand - ${line.quantity}`, reserved: sql`reserved - ${line.quantity}`, updated_at: sql`now()` })
        .where('sku', '=', line.sku)
        .execute();
    }
    // The ledger entries and the new status in one statement.
    await trx
      .with('ledger', (db) =>
        db
          .insertInto('movements')
          .values(
            reservation.lines.map((line) => ({ sku: line.sku, kind: 'COMMIT' as const, on_hand_delta: -line.quantity, reserved_delta: -line.quantity, order_id: orderId, reason: 'order confirmed', actor, idempotency_key: null })),
          ),
      )
      .updateTable('reservations')
      .set({ status: 'COMMITTED', updated_at: sql`now()` })
      .where('order_id', '=', orderId)
      .execute();
    return { changed: true, status: 'COMMITTED' };
  });
}

/**
 * Gives an order's stock back: a held reservation is dropped, committed stock returns to
 * on-hand. Idempotent; releasing an order that never reserved leaves a RELEASED tombstone so
 * that a reserve arriving late cannot take stock for a dead order.
 */
export async function releaseReservation(
  db: Kysely<InventoryDatabase>,
  { orderId, actor, reason }: { orderId: string; reason: string } & Actor,
): Promise<ReservationOutcome> {
  return db.transaction().execute(async (trx) => {
    const tombstone = await trx
      .insertInto('reservations')
      .values({ order_id: orderId, status: 'RELEASED' })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .returning('order_id')
      .executeTakeFirst();
    if (tombstone) return { changed: false, status: 'NONE' };

    const reservation = await lockReservation(trx, orderId);
    if (!reservation || reservation.status === 'RELEASED') return { changed: false, status: 'RELEASED' };
    const committed = reservation.status === 'COMMITTED';
    for (const line of reservation.lines) {
      await trx
        .updateTable('stock')
        .set(
          committed
            ? { on_hand: sql`on_hand + ${line.quantity}`, updated_at: sql`now()` }
            : { reserved: sql`reserved - ${line.quantity}`, updated_at: sql`now()` },
        )
        .where('sku', '=', line.sku)
        .execute();
      await trx
        .insertInto('movements')
        .values({
          sku: line.sku,
          kind: 'RELEASE',
          on_hand_delta: committed ? line.quantity : 0,
          reserved_delta: committed ? 0 : -line.quantity,
          order_id: orderId,
          reason,
          actor,
          idempotency_key: null,
        })
        .execute();
    }
    await setReservationStatus(trx, orderId, 'RELEASED');
    return { changed: true, status: 'RELEASED' };
  });
}

/** The ledger key under which one SKU of a return goes back on hand once. */
export const returnLedgerKey = (returnId: string, sku: string) => `return:${returnId}:${sku}`;

/**
 * Puts a return's units back on hand, a RETURN ledger entry per SKU (a repeated SKU's lines
 * added up), in one transaction, once per return (see putBackOnHand).
 */
export async function restockReturn(
  db: Kysely<InventoryDatabase>,
  { orderId, returnId, lines, actor }: { orderId: string; returnId: string; lines: ReservationLine[] } & Actor,
): Promise<{ changed: boolean }> {
  return putBackOnHand(db, { orderId, lines, actor, kind: 'RETURN', reason: `return ${returnId}`, key: (sku) => returnLedgerKey(returnId, sku) });
}

/** The ledger key under which one SKU's units that never shipped go back on hand once. */
export const unshippedLedgerKey = (orderId: string, sku: string) => `unshipped:${orderId}:${sku}`;

/**
 * Puts an order's units that will never ship back on hand (they left it when the reservation was
 * committed), an UNSHIPPED ledger entry per SKU, in one transaction, once per order.
 */
export async function releaseUnshipped(
  db: Kysely<InventoryDatabase>,
  { orderId, lines, actor }: { orderId: string; lines: ReservationLine[] } & Actor,
): Promise<{ changed: boolean }> {
  return putBackOnHand(db, { orderId, lines, actor, kind: 'UNSHIPPED', reason: 'never shipped', key: (sku) => unshippedLedgerKey(orderId, sku) });
}

/**
 * Units back on hand, a ledger entry of `kind` per SKU (a repeated SKU's lines added up), in one
 * transaction. The entry comes first: its key makes a replay, or an attempt racing this one (it
 * waits on the key, then finds it taken), skip the SKU's on-hand. A SKU with no stock record fails
 * for good, before anything changes.
 */
async function putBackOnHand(
  db: Kysely<InventoryDatabase>,
  { orderId, lines, actor, kind, reason, key }: { orderId: string; lines: ReservationLine[]; kind: 'RETURN' | 'UNSHIPPED'; reason: string; key: (sku: string) => string } & Actor,
): Promise<{ changed: boolean }> {
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  // In the order every other path locks stock rows: no deadlocks.
  const sorted = [...totals].map(([sku, quantity]) => ({ sku, quantity })).sort(bySku);
  return db.transaction().execute(async (trx) => {
    const known = await findStockLevels(trx, [...totals.keys()]);
    const unknown = [...totals.keys()].filter((sku) => !known.has(sku));
    if (unknown.length > 0) throw new DomainError(INVENTORY_FAILURE.unknownProduct, `No stock record for ${unknown.join(', ')}`, { skus: unknown });
    let changed = false;
    for (const line of sorted) {
      const entry = await trx
        .insertInto('movements')
        .values({ sku: line.sku, kind, on_hand_delta: line.quantity, reserved_delta: 0, order_id: orderId, reason, actor, idempotency_key: key(line.sku) })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!entry) continue;
      await trx.updateTable('stock').set({ on_hand: sql`on_hand + ${line.quantity}`, updated_at: sql`now()` }).where('sku', '=', line.sku).execute();
      changed = true;
    }
    return { changed };
  });
}
