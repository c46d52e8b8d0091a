import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePortBlock, freePorts } from './free-port.js';

/** Binds every port at once (fails if any is taken), then lets them go. */
async function bindAll(ports: number[]): Promise<void> {
  const servers = await Promise.all(ports.map((port) => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  })));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
}

describe('freePorts', () => {
  it('gives distinct ports below the ephemeral range that can be bound at once', async () => {
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...ports)).toBeLessThan(32_768);
    await bindAll(ports);
  });
});

describe('freePortBlock', () => {
  it('gives a base below the ephemeral range with every offset free to bind', async () => {
    const offsets = [0, 1, 2, 3, 100, 101, 102, 103];
    const base = await freePortBlock(offsets);
    expect(base).toBeGreaterThanOrEqual(20_000);
    expect(base + 103).toBeLessThan(32_768);
    await bindAll(offsets.map((offset) => base + offset));
  });
});
