import type { Client } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';

/** A workflow the API asked to start (`start`), to run to its result (`execute`), or to signal, started if need be (`signalWithStart`). */
export interface StartedWorkflow {
  call: 'start' | 'execute' | 'signalWithStart';
  workflowType: string;
  workflowId: string;
  args: unknown[];
  memo: Record<string, unknown> | undefined;
  searchAttributes: Array<{ key: { name: string }; value: unknown }> | undefined;
  /** Only when the start set one (else the server's default, 3). */
  priority?: Priority;
}

/** An Update the API sent to a workflow. */
export interface SentUpdate {
  workflowId: string;
  update: string;
  args: unknown[];
  /** Only when the API named the Update (a repeat of the same ID is answered with the first one's result). */
  updateId?: string;
}

/** A signal the API sent with signal-with-start. */
export interface SentSignal {
  workflowId: string;
  signal: string;
  args: unknown[];
}

/** What a scripted result or Update answers: a value, or an error it throws. */
type Answer = (args: unknown[]) => unknown;

interface StartOptions {
  workflowId: string;
  args?: unknown[];
  memo?: Record<string, unknown>;
  typedSearchAttributes?: Array<{ key: { name: string }; value: unknown }>;
  workflowIdConflictPolicy?: string;
  priority?: Priority;
}

interface Run {
  workflowType: string;
  args: unknown[];
  memo: Record<string, unknown> | undefined;
}

/**
 * The slice of Temporal's Client that the API calls, in memory: it records every start, execute
 * and Update, answers each workflow type with what the test scripted, and keeps runs by workflow
 * ID so that the conflict policies (FAIL, USE_EXISTING) behave as the server's do.
 */
export class FakeTemporal {
  readonly started: StartedWorkflow[] = [];
  readonly updates: SentUpdate[] = [];
  readonly signals: SentSignal[] = [];
  private readonly runs = new Map<string, Run>();
  private readonly results = new Map<string, Answer>();
  private readonly startFailures = new Map<string, Error>();
  private updateAnswer: Answer = () => ({ status: 'CANCELLED' });
  /** What the readiness check's call answers; an Error is thrown. */
  systemInfo: unknown = {};
  /** Called for each new run, as a worker would pick it up (e.g. to record the order in the store). */
  onNewRun: (workflow: StartedWorkflow) => void = () => {};

  /** What `handle.result()` of this workflow type resolves to (an Error: what it throws). */
  resultOf(workflowType: string, answer: unknown | Answer): this {
    this.results.set(workflowType, typeof answer === 'function' ? (answer as Answer) : () => answer);
    return this;
  }

  /** Starting this workflow type throws `error` (e.g. Temporal unreachable). */
  failStart(workflowType: string, error: Error): this {
    this.startFailures.set(workflowType, error);
    return this;
  }

  /** What every Update answers (an Error: what executeUpdate throws). */
  updateAnswers(answer: unknown | Answer): this {
    this.updateAnswer = typeof answer === 'function' ? (answer as Answer) : () => answer;
    return this;
  }

  /** How many distinct workflow IDs were started. */
  get runCount(): number {
    return this.runs.size;
  }

  /** Nothing was started, executed or updated. */
  get untouched(): boolean {
    return this.started.length === 0 && this.updates.length === 0;
  }

  get client(): Client {
    const start = async (call: StartedWorkflow['call'], workflowType: string, options: StartOptions) => {
      const failure = this.startFailures.get(workflowType);
      if (failure) throw failure;
      const started: StartedWorkflow = { call, workflowType, workflowId: options.workflowId, args: options.args ?? [], memo: options.memo, searchAttributes: options.typedSearchAttributes, ...(options.priority && { priority: options.priority }) };
      this.started.push(started);
      const existing = this.runs.get(options.workflowId);
      if (existing && options.workflowIdConflictPolicy !== 'USE_EXISTING') throw new WorkflowExecutionAlreadyStartedError('Workflow execution already started', options.workflowId, workflowType);
      if (!existing) {
        this.runs.set(options.workflowId, { workflowType, args: options.args ?? [], memo: options.memo });
        this.onNewRun(started);
      }
      return handle(options.workflowId);
    };
    const answer = async (answerOf: Answer | undefined, args: unknown[], what: string) => {
      if (!answerOf) throw new Error(`FakeTemporal: nothing scripted for ${what}`);
      const value = answerOf(args);
      if (value instanceof Error) throw value;
      return value;
    };
    const handle = (workflowId: string) => ({
      workflowId,
      describe: async () => {
        const run = this.runs.get(workflowId);
        if (!run) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
        return { workflowId, type: run.workflowType, memo: run.memo, status: { name: 'RUNNING' } };
      },
      result: async () => {
        const run = this.runs.get(workflowId);
        if (!run) throw new WorkflowNotFoundError('workflow not found', workflowId, undefined);
        return answer(this.results.get(run.workflowType), run.args, `the result of ${run.workflowType}`);
      },
      executeUpdate: async (definition: string | { name: string }, options?: { args?: unknown[]; updateId?: string }) => {
        const args = options?.args ?? [];
        this.updates.push({ workflowId, update: typeof definition === 'string' ? definition : definition.name, args, ...(options?.updateId && { updateId: options.updateId }) });
        return answer(this.updateAnswer, args, 'an Update');
      },
    });
    const fake = {
      workflow: {
        start: (workflowType: string, options: StartOptions) => start('start', workflowType, options),
        execute: async (workflowType: string, options: StartOptions) => (await start('execute', workflowType, options)).result(),
        getHandle: handle,
        // As the server's: the run is started unless one is running, then signalled.
        signalWithStart: async (workflowType: string, options: StartOptions & { signal: string | { name: string }; signalArgs?: unknown[] }) => {
          const started = await start('signalWithStart', workflowType, { ...options, workflowIdConflictPolicy: 'USE_EXISTING' });
          this.signals.push({ workflowId: options.workflowId, signal: typeof options.signal === 'string' ? options.signal : options.signal.name, args: options.signalArgs ?? [] });
          return { ...started, signaledRunId: 'fake-run' };
        },
      },
      withDeadline: <T>(_deadline: number | Date, fn: () => Promise<T>) => fn(),
      connection: {
        workflowService: {
          getSystemInfo: async () => {
            if (this.systemInfo instanceof Error) throw this.systemInfo;
            return this.systemInfo;
          },
        },
      },
    };
    return fake as unknown as Client;
  }
}
