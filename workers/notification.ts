import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { z } from 'zod';
import { createNotificationActivities } from '../activities/notification/activities.js';
import { createMailer, mailDomain } from '../activities/notification/mailer.js';
import { createNotificationMetrics, createWebhookMetrics, registerEmailBacklogGauges, registerWebhookBacklogGauges } from '../activities/notification/metrics.js';
import type { NotificationDatabase } from '../activities/notification/schema.js';
import { ensureWebhookRelay, temporalWebhookQueue } from '../activities/notification/webhook-queue.js';
import { WEBHOOK_TASK_QUEUE } from '../activities/notification/webhooks.contract.js';
import { createWebhookActivities } from '../activities/notification/webhooks.js';
import { DEVELOPMENT_MAIL_FROM, mailDevelopmentSettings, smtpEnv, webhookDevelopmentSettings, webhookEnv } from '../common/config.js';
import { runServiceWorker } from './bootstrap.js';

const notificationEnv = z.intersection(smtpEnv, webhookEnv);

// Email on the `notification` task queue; beside it, a second worker on `webhooks` runs the
// webhook workflows (from the order worker's bundle) and their attempts, with many activity
// slots: an attempt mostly waits on a receiver, and a slow one must not hold up email.
runServiceWorker<NotificationDatabase, typeof notificationEnv>(
  'notification',
  ({ db, log, config, registry }) => {
    registerEmailBacklogGauges(registry, db);
    registerWebhookBacklogGauges(registry, db);
    const from = config.MAIL_FROM ?? DEVELOPMENT_MAIL_FROM;
    const mailer = createMailer({ smtpUrl: config.SMTP_URL, outboxDir: config.MAIL_OUTBOX_DIR, from });
    log.info({ transport: config.SMTP_URL ? 'smtp' : `outbox ${config.MAIL_OUTBOX_DIR}` }, 'mail transport');
    const retry = { initialInterval: String(config.WEBHOOK_RETRY_INITIAL), maximumInterval: String(config.WEBHOOK_RETRY_MAX), giveUpAfter: String(config.WEBHOOK_GIVE_UP_AFTER) };
    const webhookMetrics = createWebhookMetrics(registry);
    return {
      activities: createNotificationActivities({ db, log, mailer, messageIdDomain: mailDomain(from), metrics: createNotificationMetrics(registry) }),
      moreTaskQueues: ({ client }) => [
        {
          taskQueue: WEBHOOK_TASK_QUEUE,
          activities: createWebhookActivities({ db, log, queue: temporalWebhookQueue(client), retry, allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK, metrics: webhookMetrics }),
          workflows: true,
          extra: { maxConcurrentActivityTaskExecutions: config.WEBHOOK_MAX_CONCURRENT_ATTEMPTS },
        },
      ],
      started: ({ client, stopping }) => void ensureWebhookRelay(client, log, stopping),
      dispose: () => mailer.close(),
    };
  },
  { env: notificationEnv, developmentSettings: (config) => [...mailDevelopmentSettings(config), ...webhookDevelopmentSettings(config)] },
);
