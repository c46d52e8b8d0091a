// Loaded with `node --require` into a worker process; acts only in the SDK's workflow thread (the
// worker thread whose first message is the SDK's `init`). After each request it records how many
// workflows the thread has created and how many AsyncLocalStorage stores sit on its message port
// (without AsyncContextFrame, the default up to Node 22, each storage's value is kept as a
// `Symbol(kResourceStore)` property of the async resource current when `run()` was called), into
// WORKFLOW_THREAD_PROBE_DIR/<pid>-<thread>.json, replaced whole each time (written aside, renamed).
const { renameSync, writeFileSync } = require('node:fs');
const { AsyncLocalStorage } = require('node:async_hooks');
const path = require('node:path');
const { isMainThread, parentPort, threadId } = require('node:worker_threads');

const dir = process.env.WORKFLOW_THREAD_PROBE_DIR;
if (!isMainThread && parentPort && dir) {
  let isWorkflowThread;
  let workflowsCreated = 0;
  // Whether this Node keeps stores on async resources at all; if not, the count below proves nothing.
  let storesLandOnResources;
  const file = path.join(dir, `${process.pid}-${threadId}.json`);
  const storesOnPort = () => Object.getOwnPropertySymbols(parentPort).filter((key) => key.description === 'kResourceStore').length;
  const record = () => {
    writeFileSync(`${file}.partial`, JSON.stringify({ workflowsCreated, storesOnPort: storesOnPort(), storesLandOnResources }));
    renameSync(`${file}.partial`, file);
  };
  // Wraps the SDK's own listener rather than adding one: under tsx the thread's entry module loads
  // asynchronously, and a listener added now would be the only one to receive the SDK's `init`.
  const on = parentPort.on.bind(parentPort);
  parentPort.on = (event, listener) =>
    on(event, event !== 'message' ? listener : (request) => {
      if (storesLandOnResources === undefined) {
        // Here the port is the current resource, as it was for every request before the patch.
        const before = storesOnPort();
        new AsyncLocalStorage().run(true, () => {});
        storesLandOnResources = storesOnPort() > before;
      }
      const handled = listener(request);
      isWorkflowThread ??= request?.input?.type === 'init';
      if (isWorkflowThread) {
        if (request.input.type === 'create-workflow') workflowsCreated += 1;
        // After the SDK's handler has run its part of the request synchronously.
        setImmediate(record);
      }
      return handled;
    });
}
