import type { Next } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import type { BusinessMetrics } from '../common/business-metrics.js';
import { isRejectedOutcome } from '../common/outcome.js';

/** Times every activity (a saga step) by type and outcome: ok, rejected (a business result), failed. */
export class StepMetrics implements ActivityInboundCallsInterceptor {
  constructor(private readonly metrics: BusinessMetrics) {}

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    const stop = this.metrics.stepDuration.startTimer({ activity: Context.current().info.activityType });
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
