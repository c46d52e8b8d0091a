/**
 * The notification service's contract: customer email, once per (order, kind). Pure: workflow
 * code imports it.
 */
export const NOTIFICATION_TASK_QUEUE = 'notification';

export const EMAIL_KINDS = ['ORDER_CONFIRMED', 'ORDER_REJECTED', 'ORDER_CANCELLED'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

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
  to: string;
  status: 'PENDING' | 'SENT';
  messageId: string;
  sentAt: string | null;
}

/** What the notification worker does for workflows (task queue `notification`). */
export interface NotificationActivities {
  /** Sends one email per (order, kind); a retry after it was sent sends nothing. */
  sendOrderEmail(input: { kind: EmailKind; to: string; order: EmailOrder }): Promise<{ messageId: string; sent: boolean }>;
}
