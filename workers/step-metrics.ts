import { ApplicationFailure, type Next } from '@temporalio/common';
import { FAILURE } from '../common/failures.js';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import type { BusinessMetrics } from '../common/business-metrics.js';
import { isRejectedOutcome } from '../common/outcome.js';

/**
 * A business outcome still thrown rather than returned (PRODUCT_EXISTS, INSUFFICIENT_STOCK, the
 * rejections of workflows from before rejections became results): not a fault. Data PostgreSQL
 * refused is one: something let it through.
 */
const isBusinessFailure = (error: unknown) => error instanceof ApplicationFailure && error.nonRetryable && error.type !== FAILURE.invalidData;

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
      stop({ outcome: isBusinessFailure(error) ? 'rejected' : 'failed' });
      throw error;
    }
  }
}
