import { runCli } from './program.js';

// `npm run replay -- --workflow-id …`: the same as `orderflow replay`.
await runCli(['replay', ...process.argv.slice(2)]);
