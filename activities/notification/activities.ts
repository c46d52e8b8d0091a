import { Context } from '@temporalio/activity';
import { activityLogger } from '../../common/activity-logger.js';
import type { Logger } from '../../common/logger.js';
import type { Mailer } from './mailer.js';
import { claimSend, markFailedAttempt, markSent, recordClaimed, recordNotification } from './repository.js';
import type { NotificationActivities } from './contract.js';
import { createNotificationMetrics, type NotificationMetrics } from './metrics.js';
import type { NotificationDb } from './schema.js';
import { renderOrderEmail } from './templates.js';

export interface NotificationActivityDeps {
  db: NotificationDb;
  log: Logger;
  mailer: Mailer;
  messageIdDomain: string;
  sendLeaseMs?: number;
  metrics?: NotificationMetrics;
}

/**
 * Longer than one attempt can last (the activity's 20 s start-to-close, the mailer's own
 * timeouts), so a lease outlives the attempt that holds it, dead or alive.
 */
export const SEND_LEASE_MS = 25_000;

/**
 * The mail has gone: failing now would make the retry send it again. Ride out a short database
 * blip (about 7 s) before giving up to Temporal's retry.
 */
async function markSentPersistently(mark: () => Promise<void>): Promise<void> {
  for (let attempt = 1, pause = 500; ; attempt += 1, pause *= 2) {
    try {
      return await mark();
    } catch (error) {
      if (attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

export function createNotificationActivities({
  db,
  log,
  mailer,
  messageIdDomain,
  sendLeaseMs = SEND_LEASE_MS,
  metrics = createNotificationMetrics(),
}: NotificationActivityDeps): NotificationActivities {
  return {
    /**
     * Sends one email per (order, kind, reference): record, claim a send lease, send, then mark.
     * A retry after the mark sends nothing; overlapping attempts cannot both send; a crash
     * between send and mark resends (once its lease has run out) with the same Message-ID.
     */
    async sendOrderEmail(input) {
      const { kind, to, order, subject } = input;
      const key = { orderId: order.orderId, kind, reference: subject?.reference ?? '' };
      const alog = activityLogger(log, { orderId: order.orderId, kind, ...(key.reference && { reference: key.reference }) });
      const email = renderOrderEmail(kind, order, subject);
      const messageId = `<${[kind.toLowerCase(), order.orderId, ...(key.reference ? [key.reference] : [])].join('.')}@${messageIdDomain}>`;
      const intent = { ...key, recipient: to, subject: email.subject, messageId };
      // Usually the first attempt: recorded with the lease taken, in one statement.
      let record = await recordClaimed(db, intent, sendLeaseMs);
      if (!record) {
        record = await recordNotification(db, intent);
        if (record.status === 'SENT') {
          alog.info({ messageId }, 'email already sent; nothing to do');
          return { messageId, sent: false };
        }
        if (!(await claimSend(db, key, sendLeaseMs))) {
          const now = await recordNotification(db, intent);
          if (now.status === 'SENT') return { messageId, sent: false };
          // Another attempt holds the lease: retry later rather than risk a second copy.
          throw new Error(`email ${messageId} is being sent by another attempt (lease until ${now.sending_until?.toISOString()})`);
        }
      }
      if (Context.current().info.attempt > 1) metrics.emailRetries.inc({ kind });
      try {
        await mailer.send({ to: record.recipient, messageId: record.message_id, ...email });
      } catch (error) {
        metrics.emails.inc({ kind, result: 'failed' });
        await markFailedAttempt(db, key, error instanceof Error ? error.message : String(error));
        alog.warn({ err: error }, 'email send failed; Temporal will retry');
        throw error;
      }
      metrics.emails.inc({ kind, result: 'sent' });
      await markSentPersistently(() => markSent(db, key));
      alog.info({ messageId }, 'email sent'); // never the address: personal data
      return { messageId: record.message_id, sent: true };
    },
  };
}
