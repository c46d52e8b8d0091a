import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout, one line per event; `component` names the process (api, worker:inventory, ...). */
export function createLogger(component: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
