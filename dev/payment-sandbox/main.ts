import { logEnv, parseConfig } from '../../common/config.js';
import { createLogger } from '../../common/logger.js';
import { runMain } from '../../common/main.js';
import { startPaymentSandbox } from './server.js';
import { paymentSandboxEnv } from './settings.js';

/** The payment sandbox as a process of its own (`npm run up` starts it): see app.ts for its API. */
runMain(async () => {
  const { log: logConfig, sandbox: config } = parseConfig({ log: logEnv, sandbox: paymentSandboxEnv });
  const log = createLogger('payment-sandbox', logConfig.LOG_LEVEL);
  const ledgerFile = config.PAYMENT_SANDBOX_LEDGER;
  const sandbox = await startPaymentSandbox({
    ...config.PAYMENT_SANDBOX_ADDRESS,
    ledgerFile,
    authorisationValidityMs: config.PAYMENT_SANDBOX_AUTHORISATION_VALIDITY,
  });
  log.info({ url: sandbox.url, ledger: ledgerFile, entries: sandbox.replayedEntries }, 'payment sandbox listening');

  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
});
