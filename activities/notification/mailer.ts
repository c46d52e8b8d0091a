import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { inClientSpan } from './spans.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic, so that a resend after a crash can be recognised as the same message. */
  messageId: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export interface MailerConfig {
  smtpUrl?: string;
  outboxDir: string;
  from: string;
}

/**
 * SMTP when SMTP_URL is set; otherwise nodemailer renders the full RFC 822 message and it is
 * written to the outbox folder as `<message-id>.eml`, readable by a person or a mail client.
 */
export function createMailer({ smtpUrl, outboxDir, from }: MailerConfig): Mailer {
  if (smtpUrl) {
    const transport = nodemailer.createTransport(smtpUrl, { from });
    // Short socket timeouts keep one attempt well inside the activity's start-to-close timeout.
    Object.assign(transport.options, { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 });
    const server = new URL(smtpUrl);
    // Where it went and which message, never who to: addresses are personal data.
    const spanAttributes = (mail: OutgoingMail) => ({
      'server.address': server.hostname,
      'server.port': Number(server.port || (server.protocol === 'smtps:' ? 465 : 587)),
      'mail.message_id': mail.messageId,
    });
    return {
      async send(mail) {
        await inClientSpan('orderflow-mailer', 'smtp send', spanAttributes(mail), () => transport.sendMail({ ...mail, from }));
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      await inClientSpan('orderflow-mailer', 'outbox write', { 'mail.message_id': mail.messageId }, async () => {
        const info = await transport.sendMail({ ...mail, from });
        await mkdir(outboxDir, { recursive: true });
        const file = path.join(outboxDir, `${mail.messageId.replace(/[^A-Za-z0-9._@-]/g, '')}.eml`);
        const partial = `${file}.partial`;
        await writeFile(partial, info.message as Buffer);
        await rename(partial, file);
      });
    },
    close: () => transport.close(),
  };
}

/** The domain of the From address, used for our Message-IDs. */
export function mailDomain(from: string): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'orderflow.local';
}
