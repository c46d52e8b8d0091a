import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActivity as run, silentLog } from '../../test/support/activity.js';
import { serviceDatabases } from '../../test/support/databases.js';
import { SmtpSink } from '../../test/support/smtp-sink.js';
import { createNotificationActivities } from './activities.js';
import { createMailer } from './mailer.js';
import { listNotifications } from './repository.js';

const dbs = serviceDatabases();
const db = dbs.notification;
const smtp = new SmtpSink();
const log = silentLog;
beforeAll(() => smtp.start());
afterAll(async () => {
  await smtp.stop();
  await dbs.destroy();
});

const order = () => ({
  orderId: randomUUID(),
  lines: [{ sku: 'TEE-1', name: 'Tee <b>', quantity: 2, unitPriceCents: 1000, lineTotalCents: 2000 }],
  totalCents: 2000,
  currency: 'EUR',
});

describe('sendOrderEmail', () => {
  const mailer = () => createMailer({ smtpUrl: smtp.url, outboxDir: '/nonexistent', from: 'Shop <shop@example.test>' });

  it('sends text and HTML with the order lines, to the customer, once', async () => {
    const activities = createNotificationActivities({ db, log, mailer: mailer(), messageIdDomain: 'example.test' });
    const o = order();
    const first = await run(activities.sendOrderEmail, { kind: 'ORDER_CONFIRMED', to: 'ann@example.com', order: o });
    const again = await run(activities.sendOrderEmail, { kind: 'ORDER_CONFIRMED', to: 'ann@example.com', order: o });
    expect(first).toEqual({ messageId: `<order_confirmed.${o.orderId}@example.test>`, sent: true });
    expect(again).toEqual({ messageId: first.messageId, sent: false });

    const mails = smtp.forOrder(o.orderId);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.envelopeTo).toEqual(['ann@example.com']);
    expect(mails[0]!.parsed.text).toContain('2 x Tee <b> (TEE-1)');
    expect(mails[0]!.parsed.html).toContain('Tee &lt;b&gt; (TEE-1)');
    expect(mails[0]!.parsed.html).toContain('€20.00');
    expect(await listNotifications(db, o.orderId)).toMatchObject([{ kind: 'ORDER_CONFIRMED', to: 'ann@example.com', status: 'SENT', messageId: first.messageId }]);
  });

  it('an SMTP outage fails the attempt (for Temporal to retry) and the retry sends once', async () => {
    const down = new SmtpSink();
    await down.start();
    const port = down.port;
    await down.stop();
    const activities = createNotificationActivities({
      db,
      log,
      mailer: createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, outboxDir: '/nonexistent', from: 'shop@example.test' }),
      messageIdDomain: 'example.test',
    });
    const o = order();
    await expect(run(activities.sendOrderEmail, { kind: 'ORDER_CANCELLED', to: 'bob@example.com', order: o })).rejects.toThrow();
    const [record] = await db.selectFrom('notifications').selectAll().where('order_id', '=', o.orderId).execute();
    expect(record).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(record!.last_error).toMatch(/ECONNREFUSED/);

    await down.start(port);
    try {
      await run(activities.sendOrderEmail, { kind: 'ORDER_CANCELLED', to: 'bob@example.com', order: o });
      expect(down.forOrder(o.orderId)).toHaveLength(1);
      expect(await listNotifications(db, o.orderId)).toMatchObject([{ status: 'SENT' }]);
    } finally {
      await down.stop();
    }
  });

  it('without SMTP_URL writes a readable .eml to the outbox', async () => {
    const outbox = await mkdtemp(path.join(os.tmpdir(), 'outbox-'));
    const activities = createNotificationActivities({
      db,
      log,
      mailer: createMailer({ outboxDir: outbox, from: 'shop@example.test' }),
      messageIdDomain: 'example.test',
    });
    const o = order();
    await run(activities.sendOrderEmail, { kind: 'ORDER_REJECTED', to: 'cy@example.com', order: { ...o, reason: 'OUT_OF_STOCK' } });
    const files = await readdir(outbox);
    expect(files).toEqual([`order_rejected.${o.orderId}@example.test.eml`]);
    const eml = await readFile(path.join(outbox, files[0]!), 'utf8');
    expect(eml).toMatch(/^To: cy@example.com$/m);
    expect(eml).toContain('out of stock');
  });

  it('overlapping attempts for one email hand it to SMTP once', async () => {
    const activities = createNotificationActivities({ db, log, mailer: mailer(), messageIdDomain: 'example.test' });
    const o = order();
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, () => run(activities.sendOrderEmail, { kind: 'ORDER_REJECTED', to: 'ann@example.com', order: o })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled' && a.value.sent)).toHaveLength(1);
    // The others either saw it SENT already or found the lease held and failed, for Temporal to retry.
    for (const attempt of attempts) if (attempt.status === 'rejected') expect(String(attempt.reason)).toMatch(/being sent by another attempt/);
    expect(await run(activities.sendOrderEmail, { kind: 'ORDER_REJECTED', to: 'ann@example.com', order: o })).toMatchObject({ sent: false });
    await smtp.waitFor(() => smtp.forOrder(o.orderId).length >= 1);
    expect(smtp.forOrder(o.orderId)).toHaveLength(1);
  });

  it('a send lease left by a crashed attempt runs out, and then the email goes', async () => {
    const o = order();
    const crashed = createNotificationActivities({ db, log, mailer: { send: () => new Promise(() => {}), close: () => {} }, messageIdDomain: 'example.test', sendLeaseMs: 300 });
    // The first attempt takes the lease and never comes back (the worker died mid-send).
    void run(crashed.sendOrderEmail, { kind: 'ORDER_CANCELLED', to: 'ann@example.com', order: o });
    const retry = createNotificationActivities({ db, log, mailer: mailer(), messageIdDomain: 'example.test', sendLeaseMs: 300 });
    await expect.poll(() => db.selectFrom('notifications').select('sending_until').where('order_id', '=', o.orderId).executeTakeFirst()).toMatchObject({ sending_until: expect.any(Date) });
    await expect(run(retry.sendOrderEmail, { kind: 'ORDER_CANCELLED', to: 'ann@example.com', order: o })).rejects.toThrow(/another attempt/);
    await expect.poll(() => run(retry.sendOrderEmail, { kind: 'ORDER_CANCELLED', to: 'ann@example.com', order: o }).catch(() => undefined), { timeout: 5_000 }).toMatchObject({ sent: true });
    await smtp.waitFor(() => smtp.forOrder(o.orderId).length === 1);
  });

  it('sends one email per shipment: two shipments get one each, the same shipment twice gets one', async () => {
    const activities = createNotificationActivities({ db, log, mailer: mailer(), messageIdDomain: 'example.test' });
    const o = order();
    const [first, second] = [randomUUID(), randomUUID()];
    const shipped = (reference: string, trackingNumber: string) => ({
      kind: 'ORDER_SHIPPED' as const,
      to: 'ann@example.com',
      order: o,
      subject: { reference, lines: [{ sku: 'TEE-1', quantity: 1 }], carrier: 'DHL', trackingNumber },
    });
    expect(await run(activities.sendOrderEmail, shipped(first, 'JD0001'))).toEqual({ messageId: `<order_shipped.${o.orderId}.${first}@example.test>`, sent: true });
    expect(await run(activities.sendOrderEmail, shipped(second, 'JD0002'))).toEqual({ messageId: `<order_shipped.${o.orderId}.${second}@example.test>`, sent: true });
    expect(await run(activities.sendOrderEmail, shipped(first, 'JD0001'))).toMatchObject({ sent: false });
    // The order's own email is keyed apart from its shipments'.
    expect(await run(activities.sendOrderEmail, { kind: 'ORDER_CONFIRMED', to: 'ann@example.com', order: o })).toMatchObject({ sent: true });

    const mails = smtp.forOrder(o.orderId).filter((mail) => mail.parsed.subject === `Order ${o.orderId} shipped`);
    expect(mails.map((mail) => mail.parsed.messageId).sort()).toEqual([`<order_shipped.${o.orderId}.${first}@example.test>`, `<order_shipped.${o.orderId}.${second}@example.test>`].sort());
    const text = mails.find((mail) => mail.parsed.messageId?.includes(first))!.parsed.text;
    expect(text).toContain('Carrier: DHL');
    expect(text).toContain('Tracking number: JD0001');
    expect(text).toContain('1 x Tee <b> (TEE-1)');
    expect(await listNotifications(db, o.orderId)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'ORDER_SHIPPED', reference: first, status: 'SENT' }),
        expect.objectContaining({ kind: 'ORDER_SHIPPED', reference: second, status: 'SENT' }),
        expect.objectContaining({ kind: 'ORDER_CONFIRMED', reference: null, status: 'SENT' }),
      ]),
    );
    expect(await listNotifications(db, o.orderId)).toHaveLength(3);
  });

  it('racing attempts of one shipment email hand it to SMTP once', async () => {
    const activities = createNotificationActivities({ db, log, mailer: mailer(), messageIdDomain: 'example.test' });
    const o = order();
    const input = { kind: 'ORDER_DELIVERED' as const, to: 'ann@example.com', order: o, subject: { reference: randomUUID(), lines: [{ sku: 'TEE-1', quantity: 2 }] } };
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, () => run(activities.sendOrderEmail, input)));
    expect(attempts.filter((a) => a.status === 'fulfilled' && a.value.sent)).toHaveLength(1);
    for (const attempt of attempts) if (attempt.status === 'rejected') expect(String(attempt.reason)).toMatch(/being sent by another attempt/);
    await smtp.waitFor(() => smtp.forOrder(o.orderId).length >= 1);
    expect(smtp.forOrder(o.orderId)).toHaveLength(1);
  });

  it('a refund email names the amount in the order\'s currency, and not the order\'s total', async () => {
    const activities = createNotificationActivities({ db, log, mailer: mailer(), messageIdDomain: 'example.test' });
    const o = order();
    await run(activities.sendOrderEmail, { kind: 'REFUND_ISSUED', to: 'ann@example.com', order: o, subject: { reference: `refund-${randomUUID()}`, amountCents: 1000 } });
    const [mail] = smtp.forOrder(o.orderId);
    expect(mail!.parsed.text).toContain('We have refunded €10.00');
    expect(mail!.parsed.html).toContain('€10.00');
    // Not the order's total: a refund is for part of it.
    expect(mail!.parsed.text).not.toContain('€20.00');
  });
});
