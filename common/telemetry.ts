import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry-v2';

/**
 * Spans leave the process only when an OTLP endpoint is configured with the standard variables
 * (the exporter reads OTEL_EXPORTER_OTLP_* itself, the batch processor OTEL_BSP_*).
 */
export function otlpExportConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

export interface Telemetry {
  /** Tracing for a Temporal client and worker: client, activity and workflow interceptors. */
  temporalPlugin: OpenTelemetryPlugin;
  exporting: boolean;
  /** Flushes what is still buffered; call it before the process exits. */
  shutdown(): Promise<void>;
}

/**
 * Tracing for one process (`orderflow-api`, `orderflow-worker-<service>`). Spans are always made,
 * so that every log line carries its trace and span IDs and the trace context crosses processes
 * (W3C `traceparent`, through HTTP and Temporal headers); they are exported only when configured.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName });
  const exporting = otlpExportConfigured(env);
  const spanProcessor: SpanProcessor = exporting ? new BatchSpanProcessor(new OTLPTraceExporter()) : new NoopSpanProcessor();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return { temporalPlugin: temporalTracingPlugin({ resource, spanProcessor }), exporting, shutdown: () => provider.shutdown() };
}

/**
 * The Temporal SDK's OpenTelemetry plugin. Workflow spans are made inside the workflow sandbox
 * and handed to `spanProcessor` through a sink; without one (tests, replay) they go nowhere.
 */
export function temporalTracingPlugin({ resource, spanProcessor }: { resource?: Resource; spanProcessor?: SpanProcessor } = {}): OpenTelemetryPlugin {
  return new OpenTelemetryPlugin({ resource: resource ?? resourceFromAttributes({}), spanProcessor: spanProcessor ?? new NoopSpanProcessor() });
}
