import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { TestStack } from './stack.js';

/**
 * A webhook receiver on loopback, as a customer's endpoint would be: node:http on 127.0.0.1 (port
 * 0), every request verified with the `standardwebhooks` package (the secret is given once the
 * subscription is created, POST /webhooks answering it once) and recorded in arrival order, and
 * answered by a script a test changes as it goes (500 for the first N then 200, always 410, never
 * an answer, one request held until released). Waiting is event-driven: `until(predicate)` is
 * woken by the request handler, never by a timer.
 */

/** One request as it arrived. */
export interface ReceivedWebhook {
  /** Arrival order at this receiver, from 1. */
  seq: number;
  /** When its body had arrived (epoch ms). */
  receivedAt: number;
  /** `webhook-id`: the order event's ID, the same for every attempt and redelivery. */
  webhookId: string;
  /** `webhook-timestamp` (seconds since the epoch, as sent). */
  timestamp: string;
  /** The payload's `type`, `id`, `version` and the order it is about (`data.orderId`), when the body is JSON. */
  type: string | undefined;
  payloadId: string | undefined;
  version: unknown;
  orderId: string | undefined;
  /** The raw body, as signed. */
  body: string;
  payload: unknown;
  /** Whether `new Webhook(secret).verify(body, headers)` accepted it (false while no secret is set). */
  signatureValid: boolean;
  verifyError: string | undefined;
  headers: Record<string, string>;
  /** What it was answered: a status; `held` while held (or never answered); `closed` if the sender hung up first. */
  answer: number | 'held' | 'closed';
}

/** How to answer one request: a status (with a body and headers), or never (the socket stays open until the sender gives up). */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'never';

/** Decides the answer to each request; may resolve later (a held request), or never. */
export type Script = (request: ReceivedWebhook, receiver: WebhookReceiver) => Answer | Promise<Answer>;

/** Ready-made scripts. */
export const answers = {
  status: (status: number): Script => () => ({ status, body: status < 300 ? '' : `answered ${status} by the test receiver` }),
  ok: (): Script => answers.status(200),
  /** `status` for this receiver's first `n` requests, then `then`. */
  firstThen: (n: number, status: number, then = 200): Script => (request) => ({ status: request.seq <= n ? status : then }),
  /** Accepts the request and never answers (the socket is held until the sender or close() ends it). */
  never: (): Script => () => 'never',
};

/** A request held open: `arrived` resolves when it comes; `release(status)` answers it. */
export interface Hold {
  arrived: Promise<ReceivedWebhook>;
  release(status?: number): void;
}

interface Waiter {
  predicate: (requests: ReceivedWebhook[]) => boolean;
  resolve: () => void;
}

export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private verifier: Webhook | undefined;
  private script: Script = answers.ok();
  private waiters: Waiter[] = [];
  port = 0;

  constructor(private readonly path = '/hooks') {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** The URL to subscribe. */
  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  /** The subscription's secret (`whsec_…`), as POST /webhooks answered it once. */
  setSecret(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  /** Answers every later request by `script`. */
  answerWith(script: Script): void {
    this.script = script;
  }

  /**
   * Holds the next request that `matches` (the others are answered by the script as usual) until
   * released: its socket stays open, unanswered, meanwhile.
   */
  holdNext(matches: (request: ReceivedWebhook) => boolean = () => true): Hold {
    let arrived!: (request: ReceivedWebhook) => void;
    let release!: (answer: Answer) => void;
    const released = new Promise<Answer>((resolve) => (release = resolve));
    const arrival = new Promise<ReceivedWebhook>((resolve) => (arrived = resolve));
    let taken = false;
    const previous = this.script;
    this.script = (request, receiver) => {
      if (taken || !matches(request)) return previous(request, receiver);
      taken = true;
      this.script = previous;
      arrived(request);
      return released;
    };
    return { arrived: arrival, release: (status = 200) => release({ status }) };
  }

  /** Resolves once `predicate` holds over the requests so far; checked now and at every arrival or answer. */
  until(predicate: (requests: ReceivedWebhook[]) => boolean, timeoutMs = 60_000, what = 'condition'): Promise<void> {
    if (predicate(this.requests)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== entry);
        reject(new Error(`webhook receiver: ${what} not met within ${timeoutMs} ms (${this.requests.length} requests: ${this.describe()})`));
      }, timeoutMs);
      const entry: Waiter = {
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(entry);
    });
  }

  /** Requests about one order, in arrival order. */
  forOrder(orderId: string): ReceivedWebhook[] {
    return this.requests.filter((request) => request.orderId === orderId);
  }

  /** Requests answered `status` (default any 2xx): those the sender counts as delivered. */
  accepted(orderId?: string, status?: number): ReceivedWebhook[] {
    return (orderId ? this.forOrder(orderId) : this.requests).filter((request) =>
      typeof request.answer === 'number' && (status === undefined ? request.answer >= 200 && request.answer < 300 : request.answer === status),
    );
  }

  /** A short account of what arrived, for failure messages. */
  describe(): string {
    return this.requests.map((request) => `#${request.seq} ${request.type ?? '?'} ${request.webhookId.slice(0, 12)} → ${request.answer}`).join(', ') || 'none';
  }

  /** Stops listening and cuts every connection (held ones included). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]));
    let signatureValid = false;
    let verifyError: string | undefined;
    if (!this.verifier) verifyError = 'no secret set';
    else {
      try {
        this.verifier.verify(body, headers);
        signatureValid = true;
      } catch (error) {
        verifyError = (error as Error).message;
      }
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      payload = undefined;
    }
    const fields = (payload ?? {}) as { id?: string; type?: string; version?: unknown; data?: { orderId?: string } };
    const received: ReceivedWebhook = {
      seq: this.requests.length + 1,
      receivedAt: Date.now(),
      webhookId: headers['webhook-id'] ?? '',
      timestamp: headers['webhook-timestamp'] ?? '',
      type: fields.type,
      payloadId: fields.id,
      version: fields.version,
      orderId: fields.data?.orderId,
      body,
      payload,
      signatureValid,
      verifyError,
      headers,
      answer: 'held',
    };
    this.requests.push(received);
    response.once('close', () => {
      if (received.answer === 'held' && !response.writableFinished) {
        received.answer = 'closed';
        this.wake();
      }
    });
    this.wake();
    const answer = await this.script(received, this);
    if (answer === 'never' || response.destroyed || received.answer === 'closed') return;
    received.answer = answer.status;
    response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
    response.end(answer.body ?? '');
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(this.requests)) {
        this.waiters = this.waiters.filter((other) => other !== waiter);
        waiter.resolve();
      }
    }
  }
}

/** A catalog-write budget's worth of deletions per admin subject (the API rate-limits them per subject). */
const DELETES_PER_ADMIN = 20;

/**
 * Deletes every webhook subscription through the API, for a suite's afterAll, before its stack
 * stops: the e2e suites share one database, and a subscription left behind would take the next
 * suites' order events to a receiver that has stopped (failed attempts, an open circuit, warnings
 * in logs those suites hold to be quiet).
 */
export async function deleteEveryWebhook(stack: TestStack): Promise<void> {
  for (let round = 0; ; round++) {
    const admin = await stack.token(`webhook-cleanup-${round}`, ['admin']);
    const page = await stack.request('GET', `/webhooks?limit=${DELETES_PER_ADMIN}`, { token: admin });
    if (page.status !== 200) throw new Error(`GET /webhooks answered ${page.status}`);
    const subscriptions = page.body.items as Array<{ subscriptionId: string }>;
    if (subscriptions.length === 0) return;
    for (const { subscriptionId } of subscriptions) {
      const deleted = await stack.request('DELETE', `/webhooks/${subscriptionId}`, { token: admin });
      if (deleted.status !== 204 && deleted.status !== 404) throw new Error(`DELETE /webhooks/${subscriptionId} answered ${deleted.status}`);
    }
  }
}
