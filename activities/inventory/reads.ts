import type { Kysely } from 'kysely';
import type { StockLevel } from './contract.js';
import { findStockLevel, findStockLevels, isAdjustmentApplied } from './repository.js';
import type { InventoryDb } from './schema.js';

/** Stock as the API reads it, through the inventory service's reader role. */
export interface InventoryReads {
  level(sku: string): Promise<StockLevel | undefined>;
  levels(skus: readonly string[]): Promise<Map<string, StockLevel>>;
  /** Whether the adjustment with this request ID is in the ledger already (a retried request). */
  isAdjustmentApplied(requestId: string): Promise<boolean>;
}

/** Takes a connection to the service's schema; its tables are the service's own business. */
export function createInventoryReads<DB>(connection: Kysely<DB>): InventoryReads {
  const db = connection as unknown as InventoryDb;
  return {
    level: (sku) => findStockLevel(db, sku),
    levels: (skus) => findStockLevels(db, skus),
    isAdjustmentApplied: (requestId) => isAdjustmentApplied(db, requestId),
  };
}
