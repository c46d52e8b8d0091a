import type { RejectionReason } from '../../common/failures.js';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderLineInput {
  sku: string;
  quantity: number;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

export interface PricedOrder {
  lines: PricedLine[];
  totalCents: number;
  currency: string;
}

export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  lines: Array<{ sku: string; name: string | null; quantity: number; unitPriceCents: number | null; lineTotalCents: number | null }>;
  totalCents: number | null;
  currency: string | null;
  reason?: RejectionReason | string;
  createdAt: string;
  updatedAt: string;
}
