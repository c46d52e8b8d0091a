import { createServer, type AddressInfo, type Server } from 'node:net';

const listen = async (): Promise<Server> => {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
};

/**
 * `count` distinct ports free on loopback right now, chosen by the kernel. All are held until
 * every one is chosen, so no two of them are the same.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listen));
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/** A port free on loopback right now, chosen by the kernel. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
