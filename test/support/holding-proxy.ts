import { connect, createServer, type Server, type Socket } from 'node:net';

/** One client connection and its upstream, with what the upstream answered while answers were held. */
interface Pair {
  client: Socket;
  upstream: Socket;
  held: Buffer[];
  /** The upstream ended while its answer was held: end the client once it is released. */
  upstreamEnded: boolean;
}

/**
 * A TCP proxy on loopback in front of a server (the payment provider) that can hold its answers:
 * while holding, requests still reach the server, which acts on them, but what it answers is kept
 * back from the caller. A caller then stands exactly between "the provider did it" and "I heard
 * it", the moment to kill it. `release()` forwards what was held (to callers still there).
 * Unlike TcpProxy, it never refuses a connection: it is there to time a fault, not to be one.
 */
export class HoldingProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private holding = false;
  private onHeld: ((firstBytes: string) => void) | undefined;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      const pair: Pair = { client, upstream, held: [], upstreamEnded: false };
      this.pairs.add(pair);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', () => {
        // An upstream that closed with an answer held keeps the pair until release().
        if (pair.held.length === 0) drop();
      });
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (!this.holding && pair.held.length === 0) {
          client.write(chunk);
          return;
        }
        pair.held.push(chunk);
        const wake = this.onHeld;
        this.onHeld = undefined;
        wake?.(chunk.toString('latin1', 0, Math.min(chunk.length, 200)));
      });
      upstream.on('end', () => {
        if (pair.held.length === 0) client.end();
        else pair.upstreamEnded = true;
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /**
   * Holds every answer from now on; resolves with the start of the first one held (an HTTP status
   * line), once the server has answered a request that the caller has not heard.
   */
  hold(): Promise<string> {
    this.holding = true;
    return new Promise((resolve) => (this.onHeld = resolve));
  }

  /** Forwards what was held to the callers still connected, and holds nothing more. */
  release(): void {
    this.holding = false;
    this.onHeld = undefined;
    for (const pair of this.pairs) {
      const held = pair.held.splice(0);
      if (!pair.client.destroyed) for (const chunk of held) pair.client.write(chunk);
      if (pair.upstreamEnded) pair.client.end();
      if (pair.upstream.destroyed) {
        pair.client.end();
        this.pairs.delete(pair);
      }
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    await closed;
  }
}
