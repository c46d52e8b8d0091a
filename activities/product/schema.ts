import type { ColumnType, Generated, Kysely, Selectable, Transaction } from 'kysely';

export interface ProductTable {
  sku: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  price_cents: number;
  currency: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ProductDatabase {
  products: ProductTable;
}

export type ProductDb = Kysely<ProductDatabase> | Transaction<ProductDatabase>;
export type ProductRow = Selectable<ProductTable>;
