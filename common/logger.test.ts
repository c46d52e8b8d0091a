import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, logFormat, type LogFormat } from './logger.js';
import { startTelemetry } from './telemetry.js';

/** A logger writing into an array of lines. */
function capture(format: LogFormat) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger('api', 'info', format, destination), lines };
}

describe('log format', () => {
  const telemetry = startTelemetry('orderflow-logger-test', {});
  afterAll(() => telemetry.shutdown());

  it('is pretty only on a terminal, unless LOG_FORMAT says otherwise', () => {
    expect(logFormat(true, {})).toBe('pretty');
    expect(logFormat(false, {})).toBe('json');
    expect(logFormat(true, { LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormat(false, { LOG_FORMAT: 'pretty' })).toBe('pretty');
  });

  it('JSON: one object per line, with the active span\'s trace and span IDs', () => {
    const { log, lines } = capture('json');
    const span = trace.getTracer('test').startActiveSpan('request', (active) => {
      log.info({ orderId: 'o-1' }, 'request');
      active.end();
      return active;
    });
    log.info('outside a trace');
    const [inTrace, outside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inTrace).toMatchObject({ level: 'info', component: 'api', msg: 'request', orderId: 'o-1' });
    expect(inTrace).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    expect(outside).not.toHaveProperty('traceId');
  });

  it('pretty: one short coloured line per event, without pid, hostname or span ID', () => {
    const { log, lines } = capture('pretty');
    trace.getTracer('test').startActiveSpan('request', (active) => {
      log.warn({ orderId: 'o-1' }, 'careful');
      active.end();
    });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatch(/\u001b\[\d+m/);
    const plain = line!.replace(/\u001b\[\d+m/g, '');
    expect(plain).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] WARN: careful \{"traceId":"[0-9a-f]{32}","orderId":"o-1"\}$/);
  });
});
