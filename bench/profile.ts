import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runMain } from '../common/main.js';
import { ROOT } from '../dev/stack.js';
import { realArm } from './support/arms.js';
import { stockedSku } from './support/catalog.js';
import { ADMIN_URL, startBenchStack, type BenchStack } from './support/bench-stack.js';
import { run, type RunResult } from './support/burst.js';
import { summariseFile, type Ranked, type Window } from './support/cpu-profile.js';
import { newResults } from './support/report.js';

const usage = `usage: npm run bench:profile -- [--orders 200] [--top 12]

Where the system's own CPU goes: starts the whole system with every Node process under
\`node --cpu-prof\`, places a warm-up and then a burst of --orders orders (one SKU), stops the
system so each process writes its profile, and prints self time by owner (npm package, Node's
internals, GC, our files) and by function for each process and thread, with PostgreSQL's
transactions and row writes per order. Writes Markdown and the raw .cpuprofile files (open them
in Chrome DevTools) to bench/results/.`;

/** PostgreSQL's counters for one database: commits, and rows written. */
async function databaseCounters(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ xact_commit: string; tup_inserted: string; tup_updated: string; tup_deleted: string }>(
      'SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = current_database()',
    );
    // The statistics collector publishes every few hundred ms; a snapshot inside a transaction would be frozen.
    const row = rows[0]!;
    return { commits: Number(row.xact_commit), inserted: Number(row.tup_inserted), updated: Number(row.tup_updated), deleted: Number(row.tup_deleted) };
  } finally {
    await client.end();
  }
}

const table = (heading: string, rows: Ranked[]) =>
  [`| ${heading} | ms | share |`, '|---|---|---|', ...rows.map((row) => `| ${row.name} | ${row.ms.toFixed(0)} | ${(100 * row.share).toFixed(1)} % |`)].join('\n');

runMain(async () => {
  const { values } = parseArgs({ options: { orders: { type: 'string', default: '200' }, top: { type: 'string', default: '12' }, help: { type: 'boolean', default: false } } });
  if (values.help) return void process.stdout.write(`${usage}\n`);
  const orders = Number(values.orders);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  const profileDir = await mkdtemp(path.join(os.tmpdir(), 'orderflow-profile-'));
  let bench: BenchStack | undefined;
  const names = new Map<number, string>();
  let counters: { commits: number; inserted: number; updated: number; deleted: number } | undefined;
  let result: RunResult | undefined;
  let burst: Window | undefined;
  try {
    say('starting the system with every Node process under --cpu-prof');
    bench = await startBenchStack(say, {
      name: 'profile',
      env: { ORDER_CANCELLATION_WINDOW: '1ms', RATE_LIMIT_ORDERS: '100000', RATE_LIMIT_CATALOG_WRITES: '100000' },
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    });
    const { stack, databaseUrl } = bench;
    names.set(stack.app.api.child.pid!, 'api');
    for (const [name, worker] of stack.app.workers) names.set(worker.child.pid!, `worker ${name}`);
    const admin = await stack.token('profile-admin', ['admin']);
    const oneSku = async (count: number) => {
      const sku = await stockedSku(stack, admin, count, 'PROF');
      return () => [{ sku, quantity: 1 }];
    };
    const arm = realArm(stack);
    await run(arm, { scenario: 'warm-up', orders: 20, lines: await oneSku(20), groups: {} });
    const lines = await oneSku(orders);
    say(`a burst of ${orders} orders`);
    // As the administrator: pg_stat_database of the bench's database.
    const statsUrl = Object.assign(new URL(ADMIN_URL), { pathname: new URL(databaseUrl).pathname }).toString();
    const before = await databaseCounters(statsUrl);
    const fromUs = Number(process.hrtime.bigint() / 1000n);
    result = await run(arm, { scenario: `burst-${orders}`, orders, lines, groups: {} });
    burst = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    // The statistics collector flushes at most every 500 ms.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await databaseCounters(statsUrl);
    counters = { commits: after.commits - before.commits, inserted: after.inserted - before.inserted, updated: after.updated - before.updated, deleted: after.deleted - before.deleted };
    say(`${result.ordersPerSecond.toFixed(1)} orders/s, p50 ${(result.p50Ms / 1000).toFixed(2)} s; stopping the system to write the profiles`);
    // Stopping the system makes each process write its profile.
    await bench.stop();
    bench = undefined;
    await report(profileDir, names, { orders, top: Number(values.top), result, counters, burst }, say);
  } finally {
    await bench?.stop();
    await rm(profileDir, { recursive: true, force: true });
  }
});

/** Summarises each process's profile over the burst; writes the Markdown and keeps the raw profiles. */
async function report(
  profileDir: string,
  names: Map<number, string>,
  { orders, top, result, counters, burst }: { orders: number; top: number; result?: RunResult; counters?: { commits: number; inserted: number; updated: number; deleted: number }; burst?: Window },
  say: (line: string) => void,
): Promise<void> {
  const { at, base } = await newResults('profile');
  await mkdir(base, { recursive: true });
  const sections: string[] = [];
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread, others are worker threads (workflows).
  for (const file of (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile')).sort()) {
    const [, , , pid, thread] = file.split('.');
    const name = names.get(Number(pid));
    if (!name) continue;
    const label = `${name}${thread === '0' ? '' : `, thread ${thread}`}`;
    const summary = await summariseFile(path.join(profileDir, file), ROOT, top, burst);
    await copyFile(path.join(profileDir, file), path.join(base, `${label.replace(/[^a-z0-9-]+/gi, '_')}.cpuprofile`));
    if (summary.busyMs < orders) continue; // under 1 ms per order: an idle helper thread
    sections.push(
      `## ${label}: ${summary.busyMs.toFixed(0)} ms busy (${(summary.busyMs / orders).toFixed(1)} ms per order)`,
      '',
      table('owner, self', summary.selfByOwner),
      '',
      table('owner, with what it calls', summary.totalByOwner),
      '',
      table('function, self', summary.selfByFunction),
      '',
    );
  }
  const markdown = [
    `# Where the CPU goes, ${at}`,
    '',
    `A burst of ${orders} orders after a warm-up of 20, every Node process under \`--cpu-prof\`: the samples taken during the burst, idle excluded. A worker's workflows run on a thread of their own.`,
    result ? `Burst: ${result.ordersPerSecond.toFixed(1)} orders/s, p50 ${(result.p50Ms / 1000).toFixed(2)} s (profiling slows it).` : '',
    counters ? `PostgreSQL per order: ${(counters.commits / orders).toFixed(1)} commits, ${(counters.inserted / orders).toFixed(1)} rows inserted, ${(counters.updated / orders).toFixed(1)} updated, ${(counters.deleted / orders).toFixed(1)} deleted.` : '',
    '',
    ...sections,
  ].join('\n');
  await writeFile(`${base}.md`, markdown);
  say(`\n${markdown}`);
  say(`written: ${path.relative(ROOT, base)}.md and ${path.relative(ROOT, base)}/*.cpuprofile`);
}
