import { SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

/** Runs `fn` in a client span of its own (a call to another system: SMTP, ...), recording its failure. */
export function inClientSpan<T>(tracerName: string, spanName: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return trace.getTracer(tracerName).startActiveSpan(spanName, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
