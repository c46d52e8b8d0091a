import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../common/logger.js';

const pinoLevel: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * What the SDK says about a worker that is healthy as configured (an activity-only worker warns
 * that it has no workflows), and its state changes: our own lines say when a worker starts and stops.
 */
const CHATTER = new Set([
  'No workflows registered, not polling for workflow tasks',
  'No activities registered, not polling for activity tasks',
  'No Nexus services registered, not polling for Nexus tasks',
  'Worker state changed',
]);


/**
 * The SDK's fields, renamed to ours: its OpenTelemetry interceptors add `trace_id`/`span_id` (the
 * workflow's or activity's span, which our mixin cannot see from here), and its `error` is our
 * `err`. The task token is left out:
 * whoever holds it can complete the activity.
 */
function fields(meta: LogMetadata | undefined): Record<string, unknown> {
  const { taskToken: _taskToken, trace_id: traceId, span_id: spanId, trace_flags: _flags, error, ...rest } = meta ?? {};
  return {
    ...rest,
    // pino serialises errors (message, type, stack) under `err` only.
    ...(error !== undefined && { err: error }),
    ...(typeof traceId === 'string' && { traceId, spanId }),
  };
}

/** Routes the Temporal SDK's logs (worker, workflow `log`, core) into our logger, at the level a person needs. */
export function temporalLogger(log: Logger): TemporalLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    log[CHATTER.has(message) ? 'debug' : pinoLevel[level]](fields(meta), message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
