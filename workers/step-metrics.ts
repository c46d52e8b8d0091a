import { Context } from '@temporalio/activity';
import type { Next } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { Histogram, type Registry } from 'prom-client';
import { isRejectedOutcome } from '../common/outcome.js';

export function createStepDuration(registry: Registry) {
  return new Histogram({
    name: 'orderflow_saga_step_duration_seconds',
    help: 'Activity (saga step) execution time, by activity and outcome (ok, rejected, failed)',
    labelNames: ['activity', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [registry],
  });
}

/** Times every activity (a saga step) by type and outcome: ok, rejected (a refusal, returned), failed. */
export class StepMetrics implements ActivityInboundCallsInterceptor {
  constructor(private readonly stepDuration: ReturnType<typeof createStepDuration>) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    const stop = this.stepDuration.startTimer({ activity: Context.current().info.activityType });
    try {
      const result = await next(input);
      stop({ outcome: isRejectedOutcome(result) ? 'rejected' : 'ok' });
      return result;
    } catch (error) {
      stop({ outcome: 'failed' });
      throw error;
    }
  }
}
