import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startProcess, type ManagedProcess } from './processes.js';
import { ROOT, waitForHttp } from './stack.js';

/** The committed configuration: scrape jobs, alert rules, dashboards read the same names. */
export const PROMETHEUS_CONFIG_DIR = path.join(ROOT, 'ops', 'prometheus');

export interface ScrapeTargets {
  api: string[];
  workers: Array<{ address: string; name: string }>;
  temporal: string[];
  /** `npm run up`'s own endpoint: its restart counters. */
  supervisor?: string[];
}

export interface PrometheusOptions {
  /** Working folder: configuration, target files and the time-series data go here. */
  dir: string;
  targets: ScrapeTargets;
  listen: string;
  /** Overrides the committed scrape and evaluation interval (tests scrape every second). */
  interval?: string;
  onLine?: (line: string) => void;
}

/**
 * Debian's `prometheus` on the committed configuration and alert rules, with file-discovered
 * targets for this stack's ports. Resolves once it is ready.
 */
export async function startPrometheus({ dir, targets, listen, interval, onLine }: PrometheusOptions): Promise<ManagedProcess> {
  await mkdir(path.join(dir, 'targets'), { recursive: true });
  let config = await readFile(path.join(PROMETHEUS_CONFIG_DIR, 'prometheus.yml'), 'utf8');
  if (interval) config = config.replace(/(scrape_interval|evaluation_interval): \S+/g, `$1: ${interval}`);
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  await copyFile(path.join(PROMETHEUS_CONFIG_DIR, 'alerts.yml'), path.join(dir, 'alerts.yml'));
  const write = (file: string, groups: unknown) => writeFile(path.join(dir, 'targets', file), JSON.stringify(groups, null, 2));
  await write('api.json', [{ targets: targets.api, labels: { service: 'api' } }]);
  await write('workers.json', targets.workers.map(({ address, name }) => ({ targets: [address], labels: { worker: name } })));
  await write('temporal.json', [{ targets: targets.temporal }]);
  await write('supervisor.json', [{ targets: targets.supervisor ?? [] }]);
  const server = startProcess({
    name: 'prometheus',
    command: 'prometheus',
    args: [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=${listen}`, '--log.level=warn'],
    ...(onLine && { onLine }),
  });
  try {
    await waitForHttp(`http://${listen}/-/ready`, 60_000, server.exited);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
