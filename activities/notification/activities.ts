import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import type { Mailer } from './mailer.js';
import { markFailedAttempt, markSent, recordNotification } from './repository.js';
import type { EmailKind, NotificationDb } from './schema.js';
import { renderOrderEmail, type EmailOrder } from './templates.js';

export interface NotificationActivityDeps {
  db: NotificationDb;
  log: Logger;
  mailer: Mailer;
  messageIdDomain: string;
}

export function createNotificationActivities({ db, log, mailer, messageIdDomain }: NotificationActivityDeps) {
  return {
    /**
     * Sends one email per (order, kind): record, then send, then mark. A retry after the mark
     * sends nothing; a crash between send and mark resends with the same Message-ID.
     */
    async sendOrderEmail(input: { kind: EmailKind; to: string; order: EmailOrder }) {
      const { kind, to, order } = input;
      const alog = activityLogger(log, { orderId: order.orderId, kind });
      const email = renderOrderEmail(kind, order);
      const messageId = `<${kind.toLowerCase()}.${order.orderId}@${messageIdDomain}>`;
      const record = await recordNotification(db, { orderId: order.orderId, kind, recipient: to, subject: email.subject, messageId });
      if (record.status === 'SENT') {
        alog.info({ messageId }, 'email already sent; nothing to do');
        return { messageId, sent: false };
      }
      try {
        await mailer.send({ to: record.recipient, messageId: record.message_id, ...email });
      } catch (error) {
        await markFailedAttempt(db, order.orderId, kind, error instanceof Error ? error.message : String(error));
        alog.warn({ err: error }, 'email send failed; Temporal will retry');
        throw error;
      }
      await markSent(db, order.orderId, kind);
      alog.info({ messageId, to }, 'email sent');
      return { messageId: record.message_id, sent: true };
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
