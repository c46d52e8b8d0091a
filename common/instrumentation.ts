import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

// Instrumentation patches `pg` as it is loaded, so this module must be evaluated before anything
// imports `pg`: every process entry point imports it first. Its spans go to whatever tracer
// provider common/telemetry.ts registers later (none: no-op spans).
registerInstrumentations({
  instrumentations: [
    new PgInstrumentation({
      // SQL only inside a trace (an HTTP request, an activity): pool housekeeping makes no root spans.
      requireParentSpan: true,
      // Never record bound values: they carry customer data.
      enhancedDatabaseReporting: false,
    }),
  ],
});
