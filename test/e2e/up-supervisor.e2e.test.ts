import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDatabases } from '../support/databases.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { freePortBlock } from '../../common/free-port.js';
import { killMidBurst, UpStack, WORKER_PORT_OFFSETS } from '../support/up-stack.js';

// `npm run up` itself (dev/up.ts), not a test harness: what a user sees when a process dies.
const smtp = new SmtpSink();
const dbs = serviceDatabases();

beforeAll(() => smtp.start());
afterAll(async () => {
  await smtp.stop();
  await dbs.destroy();
});

describe('npm run up keeps the stack running when a process dies', () => {
  let up: UpStack;
  beforeAll(async () => {
    up = await UpStack.start({ name: 'up-supervisor', env: { SMTP_URL: smtp.url } });
  }, 120_000);
  afterAll(async () => {
    // A closed terminal: up stops everything it started, as on Ctrl-C.
    if (up) expect(await up.stop('SIGHUP')).toEqual({ code: 0, leftRunning: [] });
  });

  it('restarts the order worker killed (kill -9) mid-burst: every order settles, no oversell, no 5xx but 503 with Retry-After', async () => {
    const { from, pid } = await killMidBurst(up, 'order-1', { orders: 200, stock: 120, dbs, smtp });
    // The death and the restart, one line each, with the signal and the restart count.
    await up.waitForLine(/\| order-1 died \(signal SIGKILL\); restart 1 in 0\.5 s$/, from);
    await up.waitForLine(/\| order-1 restarted \(restart 1, pid \d+\)$/, from);
    expect(up.pid('order-1')).not.toBe(pid);

    const metrics = await (await fetch(`http://${up.env.UP_METRICS_ADDRESS}/metrics`)).text();
    expect(metrics).toContain('orderflow_supervisor_restarts_total{process="order-1"} 1');
    expect(metrics).toContain('orderflow_supervisor_restarts_total{process="api"} 0');
    expect(metrics).toContain('orderflow_supervisor_process_up{process="order-1"} 1');
  });
});

describe('npm run up gives up on a process that keeps dying on start', () => {
  let squatter: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve())));

  it('exits non-zero, naming it, after five deaths within a minute', async () => {
    // Another program holds the notification worker's metrics port (up gives it base + 3): it cannot start.
    const base = await freePortBlock(WORKER_PORT_OFFSETS);
    squatter = await new Promise<Server>((resolve) => {
      const server = createServer().listen(base + 3, '127.0.0.1', () => resolve(server));
    });
    const up = await UpStack.launch({ name: 'up-crash-loop', env: { SMTP_URL: smtp.url }, workerMetricsBasePort: base });
    await up.waitForLine(/^up +\| stopped \(exit code 1\)$/);
    expect(await up.process.exited).toBe(1);
    const said = up.lines.filter((line) => /^up +\| .*notification-1/.test(line));
    expect(said.filter((line) => /\| notification-1 died \(exit code 1\); restart \d in \d\.\d s$/.test(line))).toHaveLength(4);
    expect(said.filter((line) => /\| notification-1 restarted \(restart \d, pid \d+\)$/.test(line))).toHaveLength(4);
    expect(said.slice(-2)).toEqual([
      expect.stringMatching(/\| notification-1 died \(exit code 1\); 5 deaths within 60 s: giving up$/),
      expect.stringMatching(/\| stopping everything: notification-1 keeps dying \(its own lines above say why\)$/),
    ]);
    expect(up.lines.some((line) => /^notification-1 *\|.*WORKER_METRICS_ADDRESS 127\.0\.0\.1:\d+: cannot listen \(EADDRINUSE\)/.test(line))).toBe(true);
    expect((await up.stop()).leftRunning).toEqual([]);
  }, 180_000);
});
