/**
 * The notification service's contract: customer email, once per (order, kind, reference). Pure:
 * workflow code imports it.
 */
export const NOTIFICATION_TASK_QUEUE = 'notification';

export const EMAIL_KINDS = ['ORDER_CONFIRMED', 'ORDER_REJECTED', 'ORDER_CANCELLED', 'ORDER_SHIPPED', 'ORDER_DELIVERED', 'RETURN_RECEIVED', 'REFUND_ISSUED'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** What an email is about within its order: a shipment, a return or a refund. */
export interface EmailSubject {
  /** The shipment, return or refund ID: an order gets one email of a kind per reference. */
  reference: string;
  /** The units concerned (shipped, delivered, received). */
  lines?: Array<{ sku: string; quantity: number }>;
  carrier?: string;
  trackingNumber?: string;
  /** A refund's amount, in the order's currency (minor units). */
  amountCents?: number;
}

/** What an order email says of the order: its lines, and prices once it was priced. */
export interface EmailOrder {
  orderId: string;
  lines: Array<{ sku: string; name: string | null; quantity: number; unitPriceCents: number | null; lineTotalCents: number | null }>;
  totalCents: number | null;
  currency: string | null;
  reason?: string;
}

/** An email of an order as the API answers it. */
export interface NotificationView {
  kind: EmailKind;
  /** The shipment, return or refund the email is about; null for the order's own (confirmed, rejected, cancelled). */
  reference: string | null;
  to: string;
  status: 'PENDING' | 'SENT';
  messageId: string;
  sentAt: string | null;
}

/** What the notification worker does for workflows (task queue `notification`). */
export interface NotificationActivities {
  /** Sends one email per (order, kind, subject's reference); a retry after it was sent sends nothing. */
  sendOrderEmail(input: { kind: EmailKind; to: string; order: EmailOrder; subject?: EmailSubject }): Promise<{ messageId: string; sent: boolean }>;
}
