import type { Generated, JSONColumnType, Kysely, Transaction } from 'kysely';
import type { OrderStatus, ShippingAddress } from './contract.js';

export interface OrderTable {
  order_id: string;
  customer_id: string;
  customer_email: string;
  status: OrderStatus;
  reason: string | null;
  total_cents: number | null;
  currency: string | null;
  shipping_address: JSONColumnType<ShippingAddress | null, string | null, string | null>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface OrderLineTable {
  order_id: string;
  line_no: number;
  sku: string;
  quantity: number;
  product_name: string | null;
  unit_price_cents: number | null;
  line_total_cents: number | null;
}

export interface OrderDatabase {
  orders: OrderTable;
  order_lines: OrderLineTable;
}

export type OrderDb = Kysely<OrderDatabase> | Transaction<OrderDatabase>;
