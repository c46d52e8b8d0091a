import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setupDatabase } from '../cli/database-setup.js';
import { runMain } from '../common/main.js';
import { generateDevSecrets } from '../dev/secrets.js';
import { ROOT } from '../dev/stack.js';
import { ensureTemporalBinary } from '../dev/temporal-binary.js';
import { TestStack } from '../test/support/stack.js';
import { buildWorkflowBundle } from '../workers/workflow-bundle.js';
import { realArm, type Arm } from './support/arms.js';
import { ADMIN_URL } from './support/bench-stack.js';
import { checkout, checkoutBundle, checkoutSetupDatabase } from './support/checkout.js';
import { stockedSku } from './support/catalog.js';
import { run, type RunResult } from './support/burst.js';
import { pidsNamed, type ProcessGroups } from './support/cpu.js';
import { sideBySide } from './support/side-by-side.js';
import { compare, comparisonTable, cpuTable, newResults, writeResults, type Comparison } from './support/report.js';

const usage = `usage: npm run bench:ab -- --baseline <git ref> [--current <git ref>] [--reps 5] [--sizes 100] [--env K=V]... [--baseline-env K=V]... [--current-env K=V]... [--baseline-node PATH] [--current-node PATH] [--payment METHOD]

Before and after in the same run: the system as committed at <ref> (the baseline) and as it is in
this checkout (or as committed at --current), side by side on two stacks (each its own dev server, API and the workers its checkout has; one
PostgreSQL), bursts interleaved baseline / current --reps times after a warm-up of each. Prints
paired ratios current ÷ baseline (throughput, latency, CPU per order by process) and writes
Markdown and JSON to bench/results/. The baseline's code comes from \`git archive\` into .data/bench
and runs on this checkout's node_modules, so a ref that locked other versions of a package is refused;
each side's database is set up by that side's own code (its migrations).
--env sets a variable for both stacks; --baseline-env and --current-env for one (tuning: the same
ref on both sides, one setting changed). --baseline-node and --current-node run a side's API and
workers on another Node binary (a runtime upgrade: \`--baseline HEAD --baseline-node /usr/bin/node\`). Both stacks share one PostgreSQL: with the default pools
(the API's five and each worker's ten connections) two stacks can exceed its 100
connections, so DATABASE_POOL_MAX is 4 unless set.
--payment pm_card_visa places the current side's orders with that payment method, so that its saga
authorises each one (an order without one skips the payment step); the baseline's orders carry none,
since a baseline from before payments answers 400 to an unknown \`payment\` field.`;

runMain(async () => {
  const { values } = parseArgs({
    options: {
      baseline: { type: 'string' },
      current: { type: 'string' },
      reps: { type: 'string', default: '5' },
      sizes: { type: 'string', default: '100' },
      env: { type: 'string', multiple: true, default: [] },
      'baseline-env': { type: 'string', multiple: true, default: [] },
      'current-env': { type: 'string', multiple: true, default: [] },
      'baseline-node': { type: 'string' },
      'current-node': { type: 'string' },
      payment: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const variables = (pairs: string[]) =>
    Object.fromEntries(
      pairs.map((pair) => {
        const at = pair.indexOf('=');
        if (at < 1) throw new Error(`--env takes K=V, not ${pair}`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    );
  if (values.help || !values.baseline) return void process.stdout.write(`${usage}\n`);
  const reps = Number(values.reps);
  const sizes = values.sizes.split(',').map(Number);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const payment = values.payment === undefined ? undefined : { method: values.payment };

  const baseline = await checkout(values.baseline);
  const current = values.current === undefined ? undefined : await checkout(values.current);
  const head = current ? `${values.current} = ${current.sha.slice(0, 8)}` : `this checkout, ${execFileSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' }).trim()}`;
  say(`baseline ${values.baseline} = ${baseline.sha.slice(0, 8)}; current: ${head}`);
  const { databases, smtp, stacks, stopAll } = await sideBySide('ab');
  try {
    const temporalBinary = await ensureTemporalBinary(say);
    const shared = { ORDER_CANCELLATION_WINDOW: '1ms', RATE_LIMIT_ORDERS: '100000', RATE_LIMIT_CATALOG_WRITES: '100000', DATABASE_POOL_MAX: '4', ...variables(values.env) };
    const envOf = { baseline: { ...shared, ...variables(values['baseline-env']) }, current: { ...shared, ...variables(values['current-env']) } };
    const nodeOf = { baseline: values['baseline-node'] ?? process.execPath, current: values['current-node'] ?? process.execPath };
    const versionOf = (node: string) => execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    const runtimeOf = { baseline: versionOf(nodeOf.baseline), current: versionOf(nodeOf.current) };
    // Each side's database as its own code migrates it: the baseline's code on this checkout's schema fails where a migration since changed it.
    await checkoutSetupDatabase(baseline.dir, ADMIN_URL, databases[0]);
    if (current) await checkoutSetupDatabase(current.dir, ADMIN_URL, databases[1]);
    else await setupDatabase({ adminUrl: ADMIN_URL, databaseUrl: databases[1] });
    say('starting two stacks: the baseline\'s and the current one');
    const bundles = await Promise.all([
      checkoutBundle(baseline.dir, path.join(ROOT, '.data', 'bench', 'ab-baseline-bundle.js')),
      current ? checkoutBundle(current.dir, path.join(ROOT, '.data', 'bench', 'ab-current-bundle.js')) : buildWorkflowBundle(path.join(ROOT, '.data', 'bench', 'ab-current-bundle.js')),
    ]);
    for (const [i, name] of (['baseline', 'current'] as const).entries()) {
      stacks.push(
        await TestStack.start({
          name: `ab-${name}`,
          smtpUrl: smtp.url,
          prepared: { databaseUrl: databases[i]!, temporalBinary, workflowBundlePath: bundles[i]!, secrets: generateDevSecrets() },
          env: envOf[name],
          node: nodeOf[name],
          ...(name === 'baseline' && { root: baseline.dir }),
          ...(name === 'current' && current && { root: current.dir }),
        }),
      );
    }
    const [before, after] = stacks as [TestStack, TestStack];
    const groupsOf = (stack: TestStack): ProcessGroups => ({
      'temporal server': [stack.server.child.pid!],
      api: [stack.app.api.child.pid!],
      ...Object.fromEntries([...stack.app.workers].map(([name, worker]) => [`worker ${name}`, [worker.child.pid!]])),
      postgres: () => pidsNamed('postgres'),
      'bench client (HTTP, SMTP sink, payment sandbox)': [process.pid],
    });
    const arms: Array<{ arm: Arm; stack: TestStack; groups: ProcessGroups }> = [
      { arm: realArm(before, 'baseline', `the system as committed at ${values.baseline} (${baseline.sha.slice(0, 8)}) on Node ${runtimeOf.baseline}, ${JSON.stringify(envOf.baseline)}`), stack: before, groups: groupsOf(before) },
      {
        arm: realArm(
          after,
          'real',
          `the system as ${current ? 'committed at' : 'in'} ${head} on Node ${runtimeOf.current}, ${JSON.stringify(envOf.current)}${payment ? `, every order paid with ${payment.method}` : ''}`,
          payment,
        ),
        stack: after,
        groups: groupsOf(after),
      },
    ];
    const admins = await Promise.all(stacks.map((stack) => stack.token('bench-admin', ['admin'])));
    const oneSku = async (stack: TestStack, orders: number) => {
      const sku = await stockedSku(stack, admins[stacks.indexOf(stack)]!, orders, 'AB');
      return () => [{ sku, quantity: 1 }];
    };

    const results: RunResult[] = [];
    const total = 2 + reps * sizes.length * 2;
    let done = 0;
    const record = async ({ arm, stack, groups }: (typeof arms)[number], scenario: string, orders: number, keep = true) => {
      const result = await run(arm, { scenario, orders, lines: await oneSku(stack, orders), groups });
      done++;
      say(
        `[${done}/${total}] ${scenario.padEnd(10)} ${arm.name.padEnd(8)} ${result.ordersPerSecond.toFixed(1).padStart(5)} orders/s, p50 ${(result.p50Ms / 1000).toFixed(2)} s, ` +
          `p99 ${(result.p99Ms / 1000).toFixed(2)} s, accepted in ${result.acceptP50Ms.toFixed(0)} ms, CPU ${result.cpuMsPerOrderTotal.toFixed(0)} ms/order${keep ? '' : ' (warm-up)'}`,
      );
      if (keep) results.push(result);
    };
    for (const side of arms) await record(side, 'warm-up', 20, false);
    for (let rep = 0; rep < reps; rep++) for (const size of sizes) for (const side of arms) await record(side, `burst-${size}`, size);

    const comparisons = sizes.map((size) => compare(results, `burst-${size}`, 'real', 'baseline')).filter((c): c is Comparison => c !== undefined);
    const { at, base, machine } = await newResults('ab');
    const markdown = [
      `# Before and after, ${at}`,
      '',
      `Machine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGiB} GiB, Node ${machine.node}; one dev server per stack; ${reps} repetition(s) interleaved, medians (min–max), ratios paired run by run.`,
      '',
      ...arms.map(({ arm }) => `- **${arm.name}**: ${arm.description}`),
      '',
      comparisonTable(comparisons),
      '',
      `CPU-ms per order by process, bursts of ${sizes.at(-1)}:`,
      '',
      cpuTable(results, `burst-${sizes.at(-1)}`, ['baseline', 'real']),
      '',
    ].join('\n');
    await writeResults(base, { at, machine, baseline: { ref: values.baseline, sha: baseline.sha, node: runtimeOf.baseline }, current: head, currentNode: runtimeOf.current, reps, sizes, comparisons, results }, markdown, say);
  } finally {
    await stopAll();
  }
});
