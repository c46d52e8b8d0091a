import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../common/free-port.js';
import { startPaymentSandbox, type PaymentSandbox, type PaymentSandboxOptions } from '../../dev/payment-sandbox/server.js';

/**
 * The payment sandbox (dev/payment-sandbox) on a free loopback port with a ledger file of its own.
 * It can be taken down (the provider unreachable) and brought back on the same port with the same
 * ledger, as a restarted provider.
 */
export class PaymentSandboxServer {
  private running: PaymentSandbox | undefined;
  port = 0;
  ledgerFile = '';

  constructor(private readonly options: Pick<PaymentSandboxOptions, 'authorisationValidityMs' | 'now'> = {}) {}

  async start(): Promise<this> {
    if (this.ledgerFile === '') this.ledgerFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'payment-sandbox-')), 'ledger.jsonl');
    if (this.port === 0) this.port = await freePort();
    this.running = await startPaymentSandbox({ port: this.port, ledgerFile: this.ledgerFile, ...this.options });
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops answering; stopping twice is fine. */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.close();
  }
}
