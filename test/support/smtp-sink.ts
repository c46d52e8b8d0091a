import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  parsed: ParsedMail;
}

/** A real SMTP server on loopback that keeps what it receives; it can be taken down and brought back. */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  private waiters: Array<() => void> = [];
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        // Like a real MTA, a message counts only once its DATA ended with the final dot: a client
        // that dies mid-message has delivered nothing.
        let complete = false;
        stream.once('end', () => (complete = true));
        simpleParser(stream)
          .then((parsed) => {
            if (!complete) return callback(new Error('message incomplete'));
            this.messages.push({ envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address), parsed });
            for (const wake of this.waiters.splice(0)) wake();
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Messages sent to one order, by Message-ID (each should appear once). */
  forOrder(orderId: string): ReceivedMail[] {
    return this.messages.filter((mail) => mail.parsed.messageId?.includes(orderId));
  }

  /** Resolves once `predicate` holds over the received messages (no polling: woken on each arrival). */
  async waitFor(predicate: (messages: ReceivedMail[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SMTP sink: condition not met within ${timeoutMs} ms (${this.messages.length} messages)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
