import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker, type ReplayHistoriesIterable } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { createDataConverter } from '../../common/payload-codec.js';
import { temporalTracingPlugin } from '../../common/telemetry.js';
import { CliError, usageError } from '../support/errors.js';
import { printJson, printTable } from '../support/output.js';
import { progressBar } from '../support/progress.js';
import { replayBundle } from '../support/replay-bundle.js';
import { appCodec, connectTemporal, temporalCall, type TemporalSession } from '../support/temporal.js';
import { exportHistory } from './history-export.js';

export interface ReplayOptions {
  workflowId?: string;
  query?: string;
  file?: string;
  export?: string;
  decoded: boolean;
}

type Verdict = { workflowId: string; ok: true } | { workflowId: string; ok: false; kind: 'NON-DETERMINISTIC' | 'FAILED'; message: string };

/** Where the histories come from, how many there are (when known), and what could not even be read. */
interface Histories {
  items: ReplayHistoriesIterable;
  total: number;
  unreadable: Verdict[];
}

/** Replays what `options` names and reports a verdict per workflow; sets exit code 1 on any failure. */
export async function runReplay(options: ReplayOptions, json: boolean): Promise<void> {
  const sources = [options.workflowId, options.query, options.file].filter((source) => source !== undefined);
  if (sources.length !== 1) throw usageError('give one of --workflow-id, --query or --file');
  if (options.export && !options.workflowId) throw usageError('--export needs --workflow-id');
  // The SDK's own log lines (and its warnings about the very non-determinism we report) would bury the verdicts.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: 'ERROR' } } });
  const codec = appCodec();
  const temporal = options.file === undefined ? await connectTemporal(codec) : undefined;
  try {
    // Sources are checked before the (slow) bundle is built: a typo fails at once.
    const histories = options.file !== undefined ? await historiesFromPath(options.file) : await historiesFromServer(temporal!, options);
    if (options.export && options.workflowId) await exportHistory(temporal!.client, codec, options.workflowId, options.export, options.decoded);
    const bundle = await replayBundle();
    const verdicts = await replayAll(histories, { workflowBundle: { codePath: bundle }, dataConverter: createDataConverter(codec), replayName: 'orderflow-cli', plugins: [temporalTracingPlugin()] }, options.query);
    report(verdicts, json);
    if (verdicts.some((verdict) => !verdict.ok)) process.exitCode = 1;
  } finally {
    await temporal?.close();
  }
}

async function historiesFromServer({ client }: TemporalSession, { workflowId, query }: ReplayOptions): Promise<Histories> {
  if (workflowId !== undefined) {
    const history = await temporalCall(() => client.workflow.getHandle(workflowId).fetchHistory(), { workflowId });
    return { items: [{ workflowId, history }], total: 1, unreadable: [] };
  }
  // Counting first both checks the query (a bad one fails here, clearly) and sizes the progress bar.
  const { count } = await temporalCall(() => client.workflow.count(query), { query });
  return { items: client.workflow.list({ query: query! }).intoHistories(), total: count, unreadable: [] };
}

async function historiesFromPath(location: string): Promise<Histories> {
  const info = await stat(location).catch((error: NodeJS.ErrnoException) => Promise.reject(new CliError(`cannot read ${location}: ${error.code ?? error.message}`)));
  if (!info.isDirectory()) {
    const read = await readHistory(location);
    if ('message' in read) throw new CliError(`${location}: ${read.message}`);
    return { items: [read], total: 1, unreadable: [] };
  }
  const files = (await readdir(location)).filter((name) => name.endsWith('.json')).sort();
  if (files.length === 0) throw new CliError(`no .json histories in ${location}`);
  const reads = await Promise.all(files.map((name) => readHistory(path.join(location, name))));
  return {
    items: reads.filter((read): read is HistoryAndWorkflowId => !('message' in read)),
    total: files.length,
    unreadable: reads.filter((read) => 'message' in read).map(({ workflowId, message }) => ({ workflowId, ok: false, kind: 'FAILED', message })),
  };
}

/** A history file, named by its path, or why it is not one. */
async function readHistory(file: string): Promise<HistoryAndWorkflowId | { workflowId: string; message: string }> {
  try {
    const history = historyFromJSON(JSON.parse(await readFile(file, 'utf8')));
    if (!history.events?.length) return { workflowId: file, message: 'not a workflow history (no events)' };
    return { workflowId: file, history };
  } catch (error) {
    return { workflowId: file, message: `not a workflow history (${error instanceof Error ? error.message : String(error)})` };
  }
}

async function replayAll(histories: Histories, options: Parameters<typeof Worker.runReplayHistories>[0], query?: string): Promise<Verdict[]> {
  const verdicts = [...histories.unreadable];
  const progress = progressBar(histories.total, 'Replaying');
  histories.unreadable.forEach((verdict) => progress.advance(verdict.workflowId));
  try {
    await temporalCall(async () => {
      for await (const result of Worker.runReplayHistories(options, histories.items)) {
        progress.advance(result.workflowId);
        if (!result.error) verdicts.push({ workflowId: result.workflowId, ok: true });
        else {
          const kind = result.error instanceof DeterminismViolationError ? 'NON-DETERMINISTIC' : 'FAILED';
          verdicts.push({ workflowId: result.workflowId, ok: false, kind, message: result.error.message });
        }
      }
    }, { query });
  } finally {
    progress.stop();
  }
  return verdicts;
}

function report(verdicts: Verdict[], json: boolean): void {
  const failures = verdicts.filter((verdict) => !verdict.ok);
  if (json) return printJson({ total: verdicts.length, failed: failures.length, results: verdicts });
  if (verdicts.length > 0) printTable(['workflow', 'result'], verdicts.map((verdict) => [verdict.workflowId, verdict.ok ? 'ok' : verdict.kind]));
  // The SDK's explanation is long and says exactly which command differs: in full, under the table.
  for (const failure of failures) process.stdout.write(`\n${failure.kind} ${failure.workflowId}:\n  ${failure.message.replace(/\n/g, '\n  ')}\n`);
  process.stdout.write(`${failures.length > 0 ? '\n' : ''}${verdicts.length - failures.length}/${verdicts.length} replayed cleanly\n`);
}
