import { createServer, type AddressInfo, type Server } from 'node:net';

// Below the kernel's range for ephemeral ports (Linux 32768–60999, macOS 49152–65535). A port that
// listen(0) hands out is in that range, and once released the kernel may give it to an outgoing
// connection before the process it was chosen for binds it (EADDRINUSE at start-up).
const LOWEST = 20_000;
const HIGHEST = 32_767;

const listen = (port: number) =>
  new Promise<Server | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

/**
 * `count` distinct ports free on loopback right now, below the ephemeral range. All are held until
 * every one is chosen, so no two of them are the same.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  for (let attempt = 0; servers.length < count; attempt++) {
    if (attempt >= 100 * count) {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      throw new Error(`no ${count} free loopback ports in ${LOWEST}–${HIGHEST} after ${attempt} tries`);
    }
    const server = await listen(LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1)));
    if (server) servers.push(server);
  }
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** A port free on loopback right now, below the ephemeral range. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

/**
 * A base port below the ephemeral range with `base + offset` free on loopback right now for every
 * offset: for a launcher that numbers its own ports from a base (`npm run up`'s worker endpoints).
 */
export async function freePortBlock(offsets: number[]): Promise<number> {
  const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
  const span = Math.max(...offsets);
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = LOWEST + Math.floor(Math.random() * (HIGHEST - span - LOWEST + 1));
    const servers = await Promise.all(offsets.map((offset) => listen(base + offset)));
    await Promise.all(servers.flatMap((server) => (server ? [close(server)] : [])));
    if (servers.every(Boolean)) return base;
  }
  throw new Error(`no block of free loopback ports at offsets ${offsets.join(', ')} in ${LOWEST}–${HIGHEST}`);
}

