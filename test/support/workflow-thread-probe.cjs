// Loaded with `node --require` into a worker process; acts only in the SDK's workflow thread (the
// worker thread whose first message is the SDK's `init`). After each request it records how many
// workflows the thread has created and how many AsyncLocalStorage stores sit on its message port
// (Node < 22 keeps each storage's value as a `Symbol(kResourceStore)` property of the async resource
// that was current when `run()` was called), into WORKFLOW_THREAD_PROBE_DIR/<pid>-<thread>.json.
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { isMainThread, parentPort, threadId } = require('node:worker_threads');

const dir = process.env.WORKFLOW_THREAD_PROBE_DIR;
if (!isMainThread && parentPort && dir) {
  let isWorkflowThread;
  let workflowsCreated = 0;
  const file = path.join(dir, `${process.pid}-${threadId}.json`);
  const storesOnPort = () => Object.getOwnPropertySymbols(parentPort).filter((key) => key.description === 'kResourceStore').length;
  // Wraps the SDK's own listener rather than adding one: under tsx the thread's entry module loads
  // asynchronously, and a listener added now would be the only one to receive the SDK's `init`.
  const on = parentPort.on.bind(parentPort);
  parentPort.on = (event, listener) =>
    on(event, event !== 'message' ? listener : (request) => {
      const handled = listener(request);
      isWorkflowThread ??= request?.input?.type === 'init';
      if (isWorkflowThread) {
        if (request.input.type === 'create-workflow') workflowsCreated += 1;
        setImmediate(() => writeFileSync(file, JSON.stringify({ workflowsCreated, storesOnPort: storesOnPort() })));
      }
      return handled;
    });
}
