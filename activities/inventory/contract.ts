import type { Outcome } from '../../common/outcome.js';

/**
 * The inventory service's contract: stock levels, reservations per order, and adjustments.
 * Pure: workflow code imports it.
 */
export const INVENTORY_TASK_QUEUE = 'inventory';

/** Units on hand of one SKU (a PostgreSQL `integer`). */
export const MAX_ON_HAND = 1_000_000_000;

export const INVENTORY_FAILURE = {
  outOfStock: 'OUT_OF_STOCK',
  /** An order line for a SKU that has no stock record. */
  unknownProduct: 'UNKNOWN_PRODUCT',
  /** On-hand would drop below what is reserved. */
  insufficientStock: 'INSUFFICIENT_STOCK',
  /** On-hand would exceed MAX_ON_HAND. */
  stockLimitExceeded: 'STOCK_LIMIT_EXCEEDED',
  notFound: 'NOT_FOUND',
  /** Committing a reservation that was released: a saga bug, never a business outcome. */
  reservationReleased: 'RESERVATION_RELEASED',
} as const;

/** Why a reservation is refused: each one rejects the order. */
export const RESERVATION_REJECTIONS = [INVENTORY_FAILURE.outOfStock, INVENTORY_FAILURE.unknownProduct] as const;
export type ReservationRejection = (typeof RESERVATION_REJECTIONS)[number];

/** Why a stock adjustment is refused: a result of the AdjustStock workflow, never a failure. */
export const ADJUSTMENT_REFUSALS = [INVENTORY_FAILURE.notFound, INVENTORY_FAILURE.insufficientStock, INVENTORY_FAILURE.stockLimitExceeded] as const;
export type AdjustmentRefusal = (typeof ADJUSTMENT_REFUSALS)[number];

export interface StockLevel {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  inStock: boolean;
}

export interface ReservationLine {
  sku: string;
  quantity: number;
}

export type ReservationStatus = 'RESERVED' | 'COMMITTED' | 'RELEASED';

/** What a reserve/release/commit call found or did: replays report the state they found. */
export type ReservationOutcome = { changed: true; status: ReservationStatus } | { changed: false; status: ReservationStatus | 'NONE' };

export interface StockAdjustment {
  sku: string;
  /** Restock (+) or write-off (-). */
  delta: number;
  reason: string;
  actor: string;
  /** Makes the adjustment apply once however often it is retried. */
  requestId: string;
}

/** What the inventory worker does for workflows (task queue `inventory`). */
export interface InventoryActivities {
  /** Reserves every line, all or none; idempotent per order. */
  reserveOrderStock(input: { orderId: string; lines: ReservationLine[] }): Promise<Outcome<ReservationOutcome, ReservationRejection>>;
  commitReservation(input: { orderId: string }): Promise<ReservationOutcome>;
  /** Gives an order's stock back, held or committed; idempotent, and a tombstone for an order that never reserved. */
  releaseReservation(input: { orderId: string; reason: string }): Promise<ReservationOutcome>;
  /**
   * Puts returned units back into available stock (on-hand up, a ledger entry per SKU); applies
   * once per return ID however often it is retried.
   */
  restockReturn(input: { orderId: string; returnId: string; lines: ReservationLine[] }): Promise<{ changed: boolean }>;
  /**
   * Puts units of a committed reservation that will never ship back into available stock (on-hand
   * up, a ledger entry per SKU); applies once per order however often it is retried.
   */
  releaseUnshipped(input: { orderId: string; lines: ReservationLine[] }): Promise<{ changed: boolean }>;
  initialiseStock(input: { sku: string; onHand: number; actor: string }): Promise<StockLevel>;
  adjustStock(input: StockAdjustment): Promise<Outcome<StockLevel, AdjustmentRefusal>>;
}

/**
 * The adjustment rule, checked by the API on the level it reads (so that a refusal starts
 * nothing) and by the inventory service in the conditions of its one UPDATE, which then names
 * the refusal with this function.
 */
export function adjustmentRefusal(level: Pick<StockLevel, 'sku' | 'onHand' | 'reserved'> | undefined, sku: string, delta: number): { reason: AdjustmentRefusal; message: string } | undefined {
  if (!level) return { reason: INVENTORY_FAILURE.notFound, message: `No stock record for ${sku}` };
  if (level.onHand + delta > MAX_ON_HAND) return { reason: INVENTORY_FAILURE.stockLimitExceeded, message: `On-hand of ${sku} cannot exceed ${MAX_ON_HAND}` };
  if (level.onHand + delta < level.reserved) {
    return { reason: INVENTORY_FAILURE.insufficientStock, message: `On-hand of ${sku} cannot drop below ${level.reserved === 0 ? '0' : `the ${level.reserved} reserved`}` };
  }
  return undefined;
}
