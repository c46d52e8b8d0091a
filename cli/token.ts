import { runCli } from './program.js';

// `npm run token -- --sub … --email …`: the same as `orderflow token mint`.
await runCli(['token', 'mint', ...process.argv.slice(2)]);
