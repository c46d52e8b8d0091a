import type { OrderLineInput } from '../../activities/order/contract.js';
import type { TestStack } from '../../test/support/stack.js';

export interface SoakOrder {
  index: number;
  /** When the client first sent it (epoch ms). */
  sentAt: number;
  orderId?: string;
  /** The status it ended at as the client saw it; undefined if the run ended first. */
  finalStatus?: string;
  /** When its workflow marked it CONFIRMED (epoch ms, from its history, read after the run). */
  confirmedAt?: number;
}

export interface HttpError {
  at: number;
  request: 'POST /orders' | 'GET /orders/{id}';
  /** The HTTP status, or `network` when no answer came. */
  status: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Customers as the soak models them: orders sent at a fixed arrival rate whatever happened to the
 * ones before (open loop), each then read with GET /orders/{id} every `pollMs` until it is no longer
 * PENDING. A POST that fails is sent again after a second with the same Idempotency-Key, as a
 * client would; every failed answer is counted.
 */
export class SoakClients {
  readonly orders: SoakOrder[] = [];
  readonly errors: HttpError[] = [];
  private readonly runId = Date.now().toString(36);

  constructor(
    private readonly stack: TestStack,
    private readonly tokens: string[],
    private readonly lines: OrderLineInput[],
    private readonly pollMs = 250,
  ) {}

  /** Sends `count` orders at `ratePerSecond`; resolves once every order is decided or `drainMs` after the last send. */
  async run(ratePerSecond: number, count: number, drainMs: number): Promise<void> {
    const start = Date.now();
    const clients: Array<Promise<void>> = [];
    let stopAt = Number.POSITIVE_INFINITY;
    for (let index = 0; index < count; index++) {
      await sleep(start + (index * 1000) / ratePerSecond - Date.now());
      const order: SoakOrder = { index, sentAt: Date.now() };
      this.orders.push(order);
      clients.push(this.client(order, () => stopAt));
    }
    stopAt = Date.now() + drainMs;
    await Promise.all(clients);
  }

  get decided(): number {
    return this.orders.filter((order) => order.finalStatus !== undefined).length;
  }

  private async client(order: SoakOrder, stopAt: () => number): Promise<void> {
    const token = this.tokens[order.index % this.tokens.length]!;
    const body = { lines: this.lines };
    const headers = { 'idempotency-key': `soak-${this.runId}-${order.index}` };
    while (order.orderId === undefined && Date.now() < stopAt()) {
      const placed = await this.call('POST /orders', () => this.stack.request('POST', '/orders', { token, body, headers }));
      if (placed?.status === 202) order.orderId = placed.body.orderId as string;
      else await sleep(1000);
    }
    while (order.orderId !== undefined && Date.now() < stopAt()) {
      await sleep(this.pollMs);
      const read = await this.call('GET /orders/{id}', () => this.stack.request('GET', `/orders/${order.orderId}`, { token }));
      if (read?.status === 200 && read.body.status !== 'PENDING') {
        order.finalStatus = read.body.status as string;
        return;
      }
    }
  }

  /** The answer if it was a success (2xx); otherwise counts the failure and returns undefined. */
  private async call<T extends { status: number }>(request: HttpError['request'], send: () => Promise<T>): Promise<T | undefined> {
    try {
      const answer = await send();
      if (answer.status < 300) return answer;
      this.errors.push({ at: Date.now(), request, status: String(answer.status) });
    } catch {
      this.errors.push({ at: Date.now(), request, status: 'network' });
    }
    return undefined;
  }
}
