import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../dev/stack.js';
import { uniqueSku } from '../support/databases.js';
import { createProduct } from '../support/shop.js';
import { freePort } from '../../common/free-port.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { read } from '../support/typed-api.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stack trace's frames: never printed for an expected failure. */
const STACK_FRAME = /^\s+at /m;

/** The installed command (package.json "bin"): what `npx orderflow` runs in a clone. */
const ORDERFLOW = path.join(ROOT, 'bin', 'orderflow');

describe('the operator CLI against the whole system (API, workers, dev server, PostgreSQL)', () => {
  const smtp = new SmtpSink();
  let stack: TestStack;
  let scratch: string;
  let bundlePath: string;

  /**
   * Runs a command as an operator would, in the clone, with a clean environment pointed at the
   * stack: only PATH and HOME (and XDG_CACHE_HOME when set: where dev/node.sh keeps the project's Node) of ours.
   */
  const run = (command: string, args: string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        command,
        args,
        {
          cwd: ROOT,
          timeout: 90_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            ...(process.env.XDG_CACHE_HOME && { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME }),
            ORDERFLOW_ENV: 'development',
            ORDERFLOW_API_URL: stack.apiUrl,
            TEMPORAL_ADDRESS: stack.temporalAddress,
            ...stack.prepared.secrets,
            REPLAY_BUNDLE_PATH: bundlePath,
            ...env,
          },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  /** `orderflow <args>`: the installed command, which runs cli/orderflow.ts on the project's Node. */
  const cli = (args: string[], env?: Record<string, string>) => run(ORDERFLOW, args, env);
  /** A TypeScript entry point on our Node (what its npm script runs). */
  const entry = (file: string, args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(ROOT, file), ...args]);
  const json = async <T = any>(args: string[]): Promise<T> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests assert on output shapes
    const result = await cli([...args, '--json']);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };

  const sku = uniqueSku('CLI');
  const orderIds: string[] = [];

  beforeAll(async () => {
    await smtp.start();
    stack = await TestStack.start({ name: 'operator-cli', smtpUrl: smtp.url });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'orderflow-cli-'));
    bundlePath = path.join(scratch, 'replay', 'workflow-bundle.js');
  });

  afterAll(async () => {
    await stack?.stop();
    await smtp.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('has --help on every command, exiting 0', async () => {
    const commands = [
      [], ['orders'], ['orders', 'list'], ['orders', 'show'], ['orders', 'cancel'], ['orders', 'ship'], ['orders', 'deliver'], ['orders', 'receive-return'], ['products'], ['products', 'list'], ['products', 'create'],
      ['products', 'update'], ['stock'], ['stock', 'show'], ['stock', 'adjust'], ['token'], ['token', 'mint'], ['replay'], ['history'], ['history', 'export'],
    ];
    for (const command of commands) {
      const { code, stdout } = await cli([...command, '--help']);
      expect(code, command.join(' ')).toBe(0);
      expect(stdout).toContain(`Usage: orderflow ${command.join(' ')}`.trim());
    }
  });

  it('runs as `npx orderflow` in the clone, listing its commands', async () => {
    // npm_config_yes=false: were the clone's own command not found, npx fails instead of fetching a package of that name.
    const { code, stdout, stderr } = await run('npx', ['orderflow', '--help'], { npm_config_yes: 'false' });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Usage: orderflow [options] [command]');
    for (const command of ['orders', 'products', 'stock', 'token', 'replay', 'history']) expect(stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    expect(stdout).toContain('npx orderflow orders list');
  });

  it('creates, lists and updates a product (as an admin, with a token it mints itself)', async () => {
    const created = await cli(['products', 'create', '--sku', sku, '--name', 'CLI desk lamp', '--price-cents', '4500', '--stock', '5']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/price:\s+€45\.00/);

    const listed = await json<{ items: Array<{ sku: string; priceCents: number }> }>(['products', 'list', '--search', sku]);
    expect(listed.items).toEqual([expect.objectContaining({ sku, priceCents: 4500 })]);

    const updated = await json<{ priceCents: number; name: string }>(['products', 'update', sku, '--price-cents', '3900', '--name', 'CLI lamp']);
    expect(updated).toMatchObject({ priceCents: 3900, name: 'CLI lamp' });
    expect((await read(stack.api().products[':sku'].$get({ param: { sku } }))).body).toMatchObject({ priceCents: 3900, name: 'CLI lamp' });

    const table = await cli(['products', 'list', '--search', sku]);
    expect(table.stdout).toMatch(new RegExp(`│ ${sku}\\s+│ CLI lamp\\s+│ €39\\.00`));

    const nothing = await cli(['products', 'update', sku]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/^error: nothing to change/);
  });

  it('shows and adjusts stock, and refuses an adjustment below what is reserved', async () => {
    const restocked = await json<{ onHand: number }>(['stock', 'adjust', sku, '10', '--reason', 'delivery 7', '--as', 'cli-tester']);
    expect(restocked.onHand).toBe(15);
    const writtenOff = await json<{ onHand: number; available: number }>(['stock', 'adjust', sku, '-3', '--reason', 'broken in transit']);
    expect(writtenOff).toMatchObject({ onHand: 12, available: 12 });
    expect((await read(stack.api().inventory[':sku'].$get({ param: { sku } }))).body).toMatchObject({ onHand: 12, reserved: 0 });

    const shown = await cli(['stock', 'show', sku]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`│ ${sku}\\s+│ 12\\s+│ 0\\s+│ 12\\s+│`));
    const unknown = await cli(['stock', 'show', 'NO-SUCH-SKU']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: NOT_FOUND: Stock for NO-SUCH-SKU not found\n');

    const tooMany = await cli(['stock', 'adjust', sku, '-100', '--reason', 'too many']);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^error: CONFLICT: On-hand of .* cannot drop below/);
    expect(tooMany.stderr).not.toMatch(STACK_FRAME);
    expect((await read(stack.api().inventory[':sku'].$get({ param: { sku } }))).body.onHand).toBe(12);
  });

  it('lists, shows and cancels orders placed through the API', async () => {
    const customer = await stack.token('cli-customer', ['customer'], 'cli-customer@example.test');
    for (const quantity of [1, 2]) {
      const placed = await read(stack.api(customer).orders.$post({ header: { prefer: 'wait=30' }, json: { lines: [{ sku, quantity }] } }));
      expect(placed.body.status).toBe('CONFIRMED');
      orderIds.push(placed.body.orderId);
    }
    const [kept, cancelled] = orderIds as [string, string];

    const listed = await json<{ items: Array<{ orderId: string; status: string }> }>(['orders', 'list', '--status', 'CONFIRMED']);
    expect(listed.items.map((order) => order.orderId)).toEqual(expect.arrayContaining(orderIds));
    const table = await cli(['orders', 'list']);
    expect(table.stdout).toMatch(new RegExp(`│ ${kept}\\s+│ cli-customer\\s+│ CONFIRMED\\s+│ €39\\.00`));

    const shown = await json<{ orderId: string; lines: unknown[]; notifications: unknown[] }>(['orders', 'show', cancelled]);
    expect(shown).toMatchObject({ orderId: cancelled, customerId: 'cli-customer', lines: [{ sku, quantity: 2, lineTotalCents: 7800 }] });
    expect(Array.isArray(shown.notifications)).toBe(true);

    const cancel = await cli(['orders', 'cancel', cancelled]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/status:\s+CANCELLED/);
    expect((await read(stack.api(customer).orders[':orderId'].$get({ param: { orderId: cancelled } }))).body.status).toBe('CANCELLED');
    // Its two units are back: 12 - 1 (kept) = 11.
    expect((await read(stack.api().inventory[':sku'].$get({ param: { sku } }))).body).toMatchObject({ onHand: 11, reserved: 0 });
  });

  it('ships, delivers and receives a return of an order placed through the API', async () => {
    const customer = await stack.token('cli-shipping-customer', ['customer'], 'cli-shipping-customer@example.test');
    const lamp = await createProduct(stack, 3, 'CLI');
    const placed = await read(stack.api(customer).orders.$post({ header: { prefer: 'wait=30' }, json: { lines: [{ sku: lamp, quantity: 1 }] } }));
    expect(placed.body.status).toBe('CONFIRMED');
    const { orderId } = placed.body;

    const shipped = await cli(['orders', 'ship', orderId, '--carrier', 'DHL', '--tracking', 'JD014600006281']);
    expect(shipped.code, shipped.stderr).toBe(0);
    expect(shipped.stdout).toMatch(/status:\s+SHIPPED/);
    const key = /idempotency key: (\S+) /.exec(shipped.stderr)?.[1];
    expect(key).toBeDefined();
    // A retry under the printed key is the same shipment, not a second one.
    const again = await json(['orders', 'ship', orderId, '--carrier', 'DHL', '--tracking', 'JD014600006281', '--idempotency-key', key!]);
    expect(again.shipments).toHaveLength(1);
    const { shipmentId } = again.shipments[0];

    const delivered = await json(['orders', 'deliver', orderId, shipmentId]);
    expect(delivered).toMatchObject({ status: 'DELIVERED', shipments: [{ shipmentId, deliveredAt: expect.any(String) }] });

    const asked = await read(stack.api(customer).orders[':orderId'].returns.$post({ param: { orderId }, header: {}, json: { lines: [{ sku: lamp, quantity: 1 }], reason: 'scratched' } }));
    expect(asked.status).toBe(201);
    const { returnId } = asked.body.returns[0]!;
    const received = await json(['orders', 'receive-return', orderId, returnId, '--no-restock']);
    expect(received).toMatchObject({ status: 'RETURNED', returns: [{ returnId, restocked: false, receivedAt: expect.any(String) }] });

    const shown = await cli(['orders', 'show', orderId]);
    expect(shown.stdout).toContain(shipmentId);
    expect(shown.stdout).toMatch(new RegExp(`${returnId}.+scratched`));
  });

  it('says clearly what went wrong, with the right exit code and no stack trace', async () => {
    const unknown = randomUUID();
    const missing = await cli(['orders', 'show', unknown]);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`error: NOT_FOUND: Order ${unknown} not found\n`);

    const invalid = await cli(['orders', 'cancel', 'not-an-id']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: VALIDATION_FAILED: .*\n {2}- orderId: /);

    const unreachable = await cli(['orders', 'list', '--api-url', `http://127.0.0.1:${await freePort()}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^error: cannot reach the API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);

    const production = await cli(['orders', 'list'], { ORDERFLOW_ENV: 'production' });
    expect(production.code).toBe(2);
    expect(production.stderr).toMatch(/^error: a token is required in production mode .*--token or set ORDERFLOW_TOKEN/);

    const customerToken = await stack.token('nosy', ['customer']);
    const forbidden = await cli(['products', 'update', sku, '--price-cents', '1'], { ORDERFLOW_TOKEN: customerToken });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^error: FORBIDDEN: /);

    const usage = await cli(['orders', 'frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command 'frobnicate'/);

    for (const result of [missing, invalid, unreachable, production, forbidden, usage]) expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('mints development tokens the API accepts, and refuses them in production mode', async () => {
    const minted = await cli(['token', 'mint', '--sub', 'carol', '--email', 'carol@example.test', '--roles', 'operator']);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect((await read(stack.api(token).orders.$get({ query: {} }))).status).toBe(200);
    const asJson = await json<{ sub: string; roles: string[]; token: string }>(['token', 'mint', '--sub', 'dave', '--email', 'dave@example.test']);
    expect(asJson).toMatchObject({ sub: 'dave', roles: ['customer'] });
    expect((await read(stack.api(asJson.token).orders.$get({ query: {} }))).status).toBe(200);

    const badRole = await cli(['token', 'mint', '--sub', 'x', '--email', 'x@example.test', '--roles', 'root']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/^error: unknown role\(s\) root/);
    const production = await cli(['token', 'mint', '--sub', 'x', '--email', 'x@example.test'], { ORDERFLOW_ENV: 'production' });
    expect(production.code).toBe(1);
    expect(production.stderr).toMatch(/development tokens are refused/);
  });

  it('replays one workflow (building the bundle), then a visibility query (reusing it)', async () => {
    const workflowId = `order-${orderIds[0]}`;
    const one = await cli(['replay', '--workflow-id', workflowId]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toMatch(/Bundling the workflow code .* done in/);
    expect(one.stdout).toMatch(new RegExp(`│ ${workflowId}\\s+│ ok`));
    expect(one.stdout).toContain('1/1 replayed cleanly');
    const built = (await stat(bundlePath)).mtimeMs;

    // The two orders of 'lists, shows and cancels' (the fulfilment test's customer is another).
    const query = await json<{ total: number; failed: number; results: Array<{ workflowId: string; ok: boolean }> }>(['replay', '--query', "WorkflowType='PlaceOrder' AND CustomerId='cli-customer'"]);
    expect(query).toMatchObject({ total: 2, failed: 0 });
    expect(query.results.map((result) => result.workflowId).sort()).toEqual(orderIds.map((id) => `order-${id}`).sort());
    expect((await stat(bundlePath)).mtimeMs).toBe(built);

    const again = await cli(['replay', '--query', `WorkflowId='${workflowId}'`]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/Bundling/);
  });

  it('refuses an unknown workflow and a bad visibility query clearly', async () => {
    const unknown = await cli(['replay', '--workflow-id', 'order-nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: workflow order-nope not found\n');

    const badQuery = await cli(['replay', '--query', 'WorkflowType==']);
    expect(badQuery.code).toBe(2);
    expect(badQuery.stderr).toMatch(/^error: invalid visibility query "WorkflowType==": /);
    expect(badQuery.stderr).not.toMatch(STACK_FRAME);

    const none = await cli(['replay']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: give one of --workflow-id, --query or --file/);
  });

  it('exports histories (as stored, and decoded) and replays a folder of them; a bad file or a changed history fails it', async () => {
    const folder = path.join(scratch, 'histories');
    await mkdir(folder);
    const [kept, cancelled] = orderIds.map((id) => `order-${id}`) as [string, string];
    const stored = await cli(['history', 'export', kept, path.join(folder, 'kept.json')]);
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stdout).toMatch(/history of order-.* \(\d+ events\) written to/);
    const decoded = await json<{ events: number; decoded: boolean }>(['history', 'export', cancelled, path.join(folder, 'cancelled.json'), '--decoded']);
    expect(decoded).toMatchObject({ decoded: true, events: expect.any(Number) });

    // Payloads are encrypted as stored; decoded, the customer's address is in the clear.
    const asStored = await readFile(path.join(folder, 'kept.json'), 'utf8');
    const encrypted = Buffer.from('binary/encrypted').toString('base64');
    expect(asStored).toContain(encrypted);
    const inTheClear = await readFile(path.join(folder, 'cancelled.json'), 'utf8');
    expect(inTheClear).not.toContain(encrypted);
    expect(inTheClear).toContain(Buffer.from('json/plain').toString('base64'));

    const clean = await json<{ total: number; failed: number }>(['replay', '--file', folder]);
    expect(clean).toEqual(expect.objectContaining({ total: 2, failed: 0 }));

    await writeFile(path.join(folder, 'not-a-history.json'), '{"hello":"world"}');
    const history = JSON.parse(await readFile(path.join(folder, 'cancelled.json'), 'utf8')) as { events: Array<Record<string, { activityType?: { name: string } }>> };
    const scheduled = history.events.find((event) => event.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType!.name = 'renamedActivity';
    await writeFile(path.join(folder, 'changed.json'), JSON.stringify(history));

    const failing = await cli(['replay', '--file', folder]);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/│ \S*not-a-history\.json\s+│ FAILED/);
    expect(failing.stdout).toMatch(/│ \S*changed\.json\s+│ NON-DETERMINISTIC/);
    expect(failing.stdout).toContain('renamedActivity');
    expect(failing.stdout).toContain('2/4 replayed cleanly');

    const single = await cli(['replay', '--file', path.join(folder, 'not-a-history.json')]);
    expect(single.code).toBe(1);
    expect(single.stderr).toMatch(/^error: .*not-a-history\.json: not a workflow history/);
  });

  it('runs the Temporal CLI through `npm run temporal`, decoding payloads through the codec', async () => {
    const workflowId = `order-${orderIds[0]}`;
    const query = await entry('cli/temporal.ts', ['workflow', 'query', '--workflow-id', workflowId, '--name', 'getOrderState']);
    expect(query.code, query.stderr).toBe(0);
    expect(query.stdout).toContain(`"customerId":"cli-customer"`);
    expect(query.stdout).toContain(`"sku":"${sku}"`);

    const show = await entry('cli/temporal.ts', ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json']);
    expect(show.code, show.stderr).toBe(0);
    const started = (JSON.parse(show.stdout) as { events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: Array<{ data: string }> } } }> }).events[0]!;
    const input = Buffer.from(started.workflowExecutionStartedEventAttributes!.input.payloads[0]!.data, 'base64').toString();
    expect(JSON.parse(input)).toMatchObject({ customerId: 'cli-customer', customerEmail: 'cli-customer@example.test' });
  });
});
