import '../common/instrumentation.js'; // first: instruments pg before anything loads it
import { createNotificationActivities } from '../activities/notification/activities.js';
import { createMailer, mailDomain } from '../activities/notification/mailer.js';
import { createNotificationMetrics, registerEmailBacklogGauges } from '../activities/notification/metrics.js';
import type { NotificationDatabase } from '../activities/notification/schema.js';
import { DEVELOPMENT_MAIL_FROM, mailDevelopmentSettings, smtpEnv } from '../common/config.js';
import { runServiceWorker } from './bootstrap.js';

runServiceWorker<NotificationDatabase, typeof smtpEnv>(
  'notification',
  ({ db, log, config: smtp, registry }) => {
    registerEmailBacklogGauges(registry, db);
    const from = smtp.MAIL_FROM ?? DEVELOPMENT_MAIL_FROM;
    const mailer = createMailer({ smtpUrl: smtp.SMTP_URL, outboxDir: smtp.MAIL_OUTBOX_DIR, from });
    log.info({ transport: smtp.SMTP_URL ? 'smtp' : `outbox ${smtp.MAIL_OUTBOX_DIR}` }, 'mail transport');
    return {
      activities: createNotificationActivities({ db, log, mailer, messageIdDomain: mailDomain(from), metrics: createNotificationMetrics(registry) }),
      dispose: () => mailer.close(),
    };
  },
  { env: smtpEnv, developmentSettings: mailDevelopmentSettings },
);
