import { readFile, writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { parseEnv, temporalEnv } from '../common/config.js';
import { parseMode } from '../common/environment.js';
import { runMain } from '../common/main.js';
import { withDevSecrets } from '../dev/secrets.js';
import { createDataConverter, createEncryptionCodec, payloadEnv } from '../common/payload-codec.js';
import { temporalTracingPlugin } from '../common/telemetry.js';
import { buildWorkflowBundle } from '../workers/workflow-bundle.js';
import { decodeHistoryPayloads } from './decode-history.js';

const usage = `Replays workflow histories against the current workflow code; exits 1 on any non-determinism.
usage: npm run -s replay -- --workflow-id <id>            one workflow from the server
       npm run -s replay -- --query "<visibility query>"  every match, e.g. "WorkflowType='PlaceOrder' AND ExecutionStatus='Running'"
       npm run -s replay -- --file <history.json>         a saved history (the Web UI's or 'temporal workflow show --output json')
       npm run -s replay -- --workflow-id <id> --export <file.json> [--decoded]
                                                          save a history (as stored: encrypted; with --decoded,
                                                          payloads in the clear, for test fixtures of development data)`;

runMain(async () => {
  const { values } = parseArgs({
    options: {
      'workflow-id': { type: 'string' },
      query: { type: 'string' },
      file: { type: 'string' },
      export: { type: 'string' },
      decoded: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const sources = [values['workflow-id'], values.query, values.file].filter(Boolean);
  if (values.help || sources.length !== 1) {
    process.stderr.write(`${usage}\n`);
    process.exit(values.help ? 0 : 2);
  }
  // Our output is the verdict per workflow; the SDK's own chatter (and its warnings about the
  // very non-determinism we report) would bury it.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: 'ERROR' } } });
  const env = parseMode() === 'development' ? withDevSecrets(process.env) : process.env;
  const codec = createEncryptionCodec(parseEnv(payloadEnv, env));
  const dataConverter = createDataConverter(codec);
  const bundle = await buildWorkflowBundle('.data/replay/workflow-bundle.js');
  // The bundle's workflows make spans as in production (the plugin takes them; nothing is exported).
  const replay = { workflowBundle: { codePath: bundle }, dataConverter, replayName: 'orderflow-cli', plugins: [temporalTracingPlugin()] };

  if (values.file) {
    // The SDK reads proto JSON itself (the Web UI's download, `temporal workflow show --output json`).
    await Worker.runReplayHistory(replay, JSON.parse(await readFile(values.file, 'utf8')), values.file);
    process.stdout.write(`ok  ${values.file}\n`);
    return;
  }

  const temporal = parseEnv(temporalEnv);
  const connection = await Connection.connect({ address: temporal.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: temporal.TEMPORAL_NAMESPACE, dataConverter });
  try {
    if (values['workflow-id']) {
      const history = await client.workflow.getHandle(values['workflow-id']).fetchHistory();
      if (values.export) {
        const json = historyToJSON(history);
        await writeFile(values.export, values.decoded ? `${JSON.stringify(await decodeHistoryPayloads(JSON.parse(json), codec), null, 2)}\n` : json);
        process.stdout.write(`history of ${values['workflow-id']} written to ${values.export}\n`);
      }
      await Worker.runReplayHistory(replay, history, values['workflow-id']);
      process.stdout.write(`ok  ${values['workflow-id']}\n`);
      return;
    }
    let failed = 0;
    let total = 0;
    for await (const result of Worker.runReplayHistories(replay, client.workflow.list({ query: values.query! }).intoHistories())) {
      total += 1;
      if (result.error) {
        failed += 1;
        const kind = result.error instanceof DeterminismViolationError ? 'NON-DETERMINISTIC' : 'FAILED';
        process.stdout.write(`${kind}  ${result.workflowId}: ${result.error.message}\n`);
      } else {
        process.stdout.write(`ok  ${result.workflowId}\n`);
      }
    }
    process.stdout.write(`${total - failed}/${total} replayed cleanly\n`);
    if (failed > 0) process.exit(1);
  } finally {
    await connection.close();
  }
});
