import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';

import type { ReservationStatus } from './contract.js';

export type MovementKind = 'INITIAL' | 'ADJUSTMENT' | 'RESERVE' | 'RELEASE' | 'COMMIT' | 'RETURN' | 'UNSHIPPED';

export interface StockTable {
  sku: string;
  on_hand: number;
  reserved: ColumnType<number, number | undefined, number>;
  updated_at: Generated<Date>;
}

export interface ReservationTable {
  order_id: string;
  status: ReservationStatus;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ReservationLineTable {
  order_id: string;
  sku: string;
  quantity: number;
}

export interface MovementTable {
  id: Generated<number>;
  sku: string;
  kind: MovementKind;
  on_hand_delta: number;
  reserved_delta: number;
  order_id: string | null;
  reason: string;
  actor: string;
  idempotency_key: string | null;
  created_at: Generated<Date>;
}

export interface InventoryDatabase {
  stock: StockTable;
  reservations: ReservationTable;
  reservation_lines: ReservationLineTable;
  movements: MovementTable;
}

export type InventoryDb = Kysely<InventoryDatabase> | Transaction<InventoryDatabase>;
