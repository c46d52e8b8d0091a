import { Context } from '@temporalio/activity';
import type { Logger } from './logger.js';

/** A child logger carrying the running activity's workflow, activity and attempt, for correlation. */
export function activityLogger(log: Logger, fields: Record<string, unknown> = {}): Logger {
  const { info } = Context.current();
  return log.child({
    workflowId: info.workflowExecution?.workflowId,
    runId: info.workflowExecution?.runId,
    activity: info.activityType,
    attempt: info.attempt,
    ...fields,
  });
}
