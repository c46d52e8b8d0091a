import { context, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * `LOG_FORMAT=json|pretty` when set (`npm run up` asks its children for pretty lines when its own
 * output is a terminal); otherwise pretty only on a terminal. Files, pipes and collectors get JSON.
 */
export function logFormat(stdoutIsTTY: boolean, env: NodeJS.ProcessEnv = process.env): LogFormat {
  if (env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty') return env.LOG_FORMAT;
  return stdoutIsTTY ? 'pretty' : 'json';
}

/** The active span's IDs on every line, so that a log line leads to its trace and back. */
function traceIds(): Record<string, string> {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/**
 * Short coloured lines for a person: time, level, message, then the remaining fields on the same
 * line (`npm run up` prefixes each with its process). Written synchronously, so that nothing is
 * lost when a process exits.
 */
function prettyDestination(destination?: NodeJS.WritableStream): DestinationStream {
  return PinoPretty({
    ...(destination && { destination }),
    colorize: true,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,component,spanId',
  });
}

/** One line per event; `component` names the process (api, worker:inventory, ...). Lines go to stdout unless `destination` is given. */
export function createLogger(
  component: string,
  level: string = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = logFormat(Boolean(process.stdout.isTTY)),
  destination?: NodeJS.WritableStream,
): Logger {
  const options = {
    level,
    base: { component, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: traceIds,
  };
  if (format === 'pretty') return pino(options, prettyDestination(destination));
  return destination ? pino(options, destination as DestinationStream) : pino(options);
}
