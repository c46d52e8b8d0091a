import type { Generated, JSONColumnType, Kysely, Transaction } from 'kysely';
import type { OrderStatus, ShippingAddress } from './contract.js';
import type { Actor, OrderEventType } from './timeline.contract.js';

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
  /** Units that will never ship (the fulfilment window closed on them). */
  cancelled_quantity: Generated<number>;
  /** The order's created_at, for search by SKU newest first (a foreign key keeps the two equal; see search.ts). */
  order_created_at: Generated<Date>;
}

export interface ShipmentTable {
  order_id: string;
  shipment_id: string;
  carrier: string;
  tracking_number: string;
  shipped_at: Generated<Date>;
  delivered_at: Date | null;
}

export interface ReturnTable {
  order_id: string;
  return_id: string;
  reason: string;
  requested_at: Generated<Date>;
  received_at: Date | null;
  restocked: boolean | null;
  refund_cents: number | null;
}

/** A shipment's or a return's lines, numbered from 1 in the order given. */
export interface FulfilmentLineTable {
  order_id: string;
  line_no: number;
  sku: string;
  quantity: number;
}

/** An order's timeline, and the webhooks' outbox while published_at is null (migration 0004). */
export interface OrderEventTable {
  /** bigserial: the global order of events (int8, parsed as a number: see common/database.ts). */
  event_seq: Generated<number>;
  event_id: Generated<string>;
  order_id: string;
  type: OrderEventType;
  actor: JSONColumnType<Actor, string, string>;
  status: OrderStatus;
  details: JSONColumnType<Record<string, unknown>, string, string>;
  at: Generated<Date>;
  published_at: Date | null;
}

export interface OrderDatabase {
  orders: OrderTable;
  order_lines: OrderLineTable;
  shipments: ShipmentTable;
  shipment_lines: FulfilmentLineTable & { shipment_id: string };
  returns: ReturnTable;
  return_lines: FulfilmentLineTable & { return_id: string };
  order_events: OrderEventTable;
}

export type OrderDb = Kysely<OrderDatabase> | Transaction<OrderDatabase>;
