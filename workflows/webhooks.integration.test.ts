import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { WEBHOOK_FAILURE, WEBHOOK_TASK_QUEUE, type WebhookActivities, type WebhookRetryPolicy } from '../activities/notification/webhooks.contract.js';
import { INVALID_DATA } from '../common/domain-error.js';
import { seal, sealingKey, unseal } from '../common/sealed-secret.js';
import { DEFAULT_PRIORITY, INTERACTIVE_PRIORITY } from '../common/task-priority.js';
import type { OrderActivities } from '../activities/order/contract.js';
import type { PublishedOrderEvent } from '../activities/order/timeline.contract.js';
import { decodeHistoryPayloads } from '../cli/decode-history.js';
import { recordFixture } from '../test/support/fixtures.js';
import { startTestEnvironment, testDataConverter, type RunningWorkers } from '../test/support/temporal.js';
import { createServiceWorker } from '../workers/bootstrap.js';
import type { DeliverWebhooks, WebhookRelay } from './webhooks.js';
import { deliveriesQueued, deliverWebhooksWorkflowId, type QueuedDelivery } from './webhooks.contract.js';

// The webhook workflows on a real Temporal, with their activities faked here: what is under test
// is the workflows' order, retries and hand-offs (the notification service's own tests prove the
// real attempts). A worker polls the webhooks queue with the workflow bundle and the fake webhook
// activities, as the notification process does; another serves the fake order outbox.

const codec = testDataConverter.payloadCodecs![0]!;

/** A promise and what settles it: a fake activity waits on one so that a test decides when it finishes. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** What the fakes were asked, in the order they were asked it. */
let calls: string[];
/** Per delivery ID: what its attempt does (the default: delivered). */
let attemptScript: Map<string, (attempt: number) => Promise<void>>;
/** The outbox's batches, handed out one a poll; an empty poll waits its waitMs. */
let outbox: PublishedOrderEvent[][];
/** Resolved once the outbox has been polled `count` times. */
let pollWatch: { count: number; reached: () => void } | undefined;
let polls: number;
/** What the fan-out does per call (1, 2, …) before it answers (the default: nothing). */
let fanOutScript: ((call: number) => void) | undefined;
let fanOuts: number;
/** What the workflows logged at warn and error, through the worker's workflow logger sink. */
let workflowLogs: Array<{ level: 'warn' | 'error'; message: string; attrs: Record<string, unknown> | undefined }>;

/** The secret the fake subscription change makes, sealed to the start's key as the real one is. */
const SECRET = 'whsec_dGVzdC1zZWNyZXQtb2YtMzItYnl0ZXMtbG9uZyE=';

const webhookActivities: WebhookActivities = {
  async createWebhookSubscription(input) {
    calls.push(`create ${input.url}`);
    if (input.url.includes('refused')) return { ok: false, reason: WEBHOOK_FAILURE.targetRefused, message: `${input.url} resolves to an address this deployment does not call` };
    const at = '2026-12-07T09:00:00.000Z';
    return { ok: true, value: { subscriptionId: randomUUID(), url: input.url, events: input.events, enabled: input.enabled ?? true, description: input.description ?? null, createdAt: at, updatedAt: at, sealedSecret: seal(SECRET, input.sealTo) } };
  },
  async updateWebhookSubscription({ subscriptionId }) {
    calls.push(`update ${subscriptionId}`);
    return { ok: false, reason: WEBHOOK_FAILURE.notFound, message: `Webhook subscription ${subscriptionId} not found` };
  },
  async deleteWebhookSubscription({ subscriptionId }) {
    calls.push(`delete ${subscriptionId}`);
    return { ok: true, value: { subscriptionId } };
  },
  async fanOutWebhookEvents({ events }) {
    fanOuts += 1;
    calls.push(`fan out ${events.map((event) => event.eventId).join(',')}`);
    fanOutScript?.(fanOuts);
    return { deliveries: events.length, runs: events.length };
  },
  async attemptWebhookDelivery({ deliveryId, redeliver }) {
    const { attempt } = Context.current().info;
    calls.push(`${redeliver ? 'redeliver' : 'deliver'} ${deliveryId} #${attempt}`);
    await attemptScript.get(deliveryId)?.(attempt);
    return { status: 'DELIVERED' };
  },
  async giveUpWebhookDelivery({ deliveryId, reason }) {
    calls.push(`give up ${deliveryId}: ${reason}`);
  },
};

const orderActivities: Pick<OrderActivities, 'unpublishedEvents' | 'markEventsPublished'> = {
  async unpublishedEvents({ waitMs }) {
    polls += 1;
    calls.push('poll');
    if (pollWatch && polls >= pollWatch.count) pollWatch.reached();
    const batch = outbox.shift();
    if (batch) return batch;
    // As the real one: nothing yet, so it waits (cancellable) before answering none.
    await Context.current().sleep(waitMs);
    return [];
  },
  async markEventsPublished({ eventIds }) {
    calls.push(`mark ${eventIds.join(',')}`);
    return { marked: eventIds.length };
  },
};

/** The worker's workflow logger sink, keeping warn and error lines (not called on replay). */
const keep = (level: 'warn' | 'error') => ({ fn: (_info: unknown, message: string, attrs?: Record<string, unknown>) => void workflowLogs.push({ level, message, attrs }) });
const ignore = { fn: () => {} };
const workflowLogSink = { trace: ignore, debug: ignore, info: ignore, warn: keep('warn'), error: keep('error') };

let env: TestWorkflowEnvironment;
let workers: RunningWorkers;

beforeAll(async () => {
  env = await startTestEnvironment();
  const common = { connection: env.nativeConnection, namespace: env.namespace ?? 'default', dataConverter: testDataConverter };
  const all = await Promise.all([
    // The notification process's second worker: the webhook workflows and attempts.
    createServiceWorker({ ...common, service: 'notification', activities: webhookActivities, workflowBundlePath: inject('workflowBundlePath'), extra: { taskQueue: WEBHOOK_TASK_QUEUE, sinks: { defaultWorkerLogger: workflowLogSink } } }),
    createServiceWorker({ ...common, service: 'order', activities: orderActivities }),
  ]);
  const running = Promise.all(all.map((worker) => worker.run()));
  workers = {
    workers: all,
    async stop() {
      for (const worker of all) worker.shutdown();
      await running;
    },
  };
});

afterAll(async () => {
  await workers?.stop();
  await env?.teardown();
});

beforeEach(() => {
  calls = [];
  attemptScript = new Map();
  outbox = [];
  pollWatch = undefined;
  polls = 0;
  fanOutScript = undefined;
  fanOuts = 0;
  workflowLogs = [];
});

const QUICK_RETRY: WebhookRetryPolicy = { initialInterval: '100ms', maximumInterval: '200ms', giveUpAfter: '1m' };

const queued = (...ids: string[]): QueuedDelivery[] => ids.map((deliveryId) => ({ deliveryId, redeliver: false }));

/** A (subscription, order) pair of this test and delivery IDs for it. */
function pair() {
  const subscriptionId = randomUUID();
  const orderId = randomUUID();
  return { subscriptionId, orderId, ids: (n: number) => Array.from({ length: n }, (_, i) => `d${i + 1}-${orderId.slice(0, 8)}`) };
}

/** Signal-with-start, as the fan-out hands a pair's deliveries over. */
function queueDeliveries({ subscriptionId, orderId }: { subscriptionId: string; orderId: string }, deliveries: QueuedDelivery[], retry = QUICK_RETRY) {
  return env.client.workflow.signalWithStart<typeof DeliverWebhooks, [QueuedDelivery[]]>('DeliverWebhooks', {
    taskQueue: WEBHOOK_TASK_QUEUE,
    workflowId: deliverWebhooksWorkflowId(subscriptionId, orderId),
    args: [{ subscriptionId, orderId, retry }],
    signal: deliveriesQueued,
    signalArgs: [deliveries],
  });
}

/** Each activity the run scheduled, with the priority key it was scheduled at (undefined: none set). */
async function scheduledPriorities(handle: WorkflowHandle): Promise<Array<[string, number | undefined]>> {
  const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as {
    events: Array<{ activityTaskScheduledEventAttributes?: { activityType: { name: string }; priority?: { priorityKey?: number } } }>;
  };
  return history.events.flatMap(({ activityTaskScheduledEventAttributes: scheduled }) => (scheduled ? [[scheduled.activityType.name, scheduled.priority?.priorityKey] as [string, number | undefined]] : []));
}

/** The run's end, its history recorded as the replay gate's fixture for this path. */
async function endRecorded(handle: WorkflowHandle, fixture: string): Promise<void> {
  await handle.result();
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  await recordFixture(handle, fixture, codec);
}

describe('DeliverWebhooks', () => {
  it("delivers a pair's deliveries one at a time in queue order, also those queued while one is in flight, each once", async () => {
    const run = pair();
    const [d1, d2, d3] = run.ids(3) as [string, string, string];
    const inFlight = gate();
    const release = gate();
    attemptScript.set(d1, async () => {
      inFlight.open();
      await release.opened;
    });
    const handle = await queueDeliveries(run, queued(d1));
    await inFlight.opened;
    await queueDeliveries(run, queued(d2, d3));
    // Already made, or already waiting: not queued twice.
    await queueDeliveries(run, queued(d1, d2));
    release.open();
    await endRecorded(handle, 'deliver-webhooks-in-order');
    expect(calls).toEqual([`deliver ${d1} #1`, `deliver ${d2} #1`, `deliver ${d3} #1`]);
  });

  it('retries a failed attempt with backoff, and the next delivery waits for it', async () => {
    const run = pair();
    const [d1, d2] = run.ids(2) as [string, string];
    attemptScript.set(d1, async (attempt) => {
      if (attempt < 3) throw ApplicationFailure.retryable('the receiver answered 503', WEBHOOK_FAILURE.receiverFailed);
    });
    await endRecorded(await queueDeliveries(run, queued(d1, d2)), 'deliver-webhooks-retried');
    expect(calls).toEqual([`deliver ${d1} #1`, `deliver ${d1} #2`, `deliver ${d1} #3`, `deliver ${d2} #1`]);
  });

  it('gives a delivery up once its retries run out (giveUpAfter), then goes on to the next', async () => {
    const run = pair();
    const [d1, d2] = run.ids(2) as [string, string];
    attemptScript.set(d1, async () => {
      throw ApplicationFailure.retryable('no answer', WEBHOOK_FAILURE.receiverFailed);
    });
    const retry = { initialInterval: '200ms', maximumInterval: '400ms', giveUpAfter: '2s' };
    await endRecorded(await queueDeliveries(run, queued(d1, d2), retry), 'deliver-webhooks-given-up');
    const attemptsOfD1 = calls.filter((call) => call.startsWith(`deliver ${d1} `));
    expect(attemptsOfD1.length).toBeGreaterThan(1);
    expect(calls).toEqual([...attemptsOfD1, `give up ${d1}: no successful attempt within 2s`, `deliver ${d2} #1`]);
  });

  it('gives up at INTERACTIVE_PRIORITY, ahead of attempts, which stay at the default key even in a run started at INTERACTIVE_PRIORITY (a redelivery)', async () => {
    const run = pair();
    const [d1, d2] = run.ids(2) as [string, string];
    attemptScript.set(d1, async () => {
      throw ApplicationFailure.retryable('no answer', WEBHOOK_FAILURE.receiverFailed);
    });
    const handle = await env.client.workflow.signalWithStart<typeof DeliverWebhooks, [QueuedDelivery[]]>('DeliverWebhooks', {
      taskQueue: WEBHOOK_TASK_QUEUE,
      workflowId: deliverWebhooksWorkflowId(run.subscriptionId, run.orderId),
      args: [{ subscriptionId: run.subscriptionId, orderId: run.orderId, retry: { initialInterval: '200ms', maximumInterval: '200ms', giveUpAfter: '500ms' } }],
      signal: deliveriesQueued,
      signalArgs: [queued(d1, d2)],
      priority: INTERACTIVE_PRIORITY,
    });
    await handle.result();
    expect(await scheduledPriorities(handle)).toEqual([
      ['attemptWebhookDelivery', DEFAULT_PRIORITY.priorityKey],
      ['giveUpWebhookDelivery', INTERACTIVE_PRIORITY.priorityKey],
      ['attemptWebhookDelivery', DEFAULT_PRIORITY.priorityKey],
    ]);
  });

  it('goes on at once after a failure no retry can change (the attempt marked it FAILED), without giving it up', async () => {
    const run = pair();
    const [d1, d2] = run.ids(2) as [string, string];
    attemptScript.set(d1, async () => {
      throw ApplicationFailure.nonRetryable('the receiver answered 410', WEBHOOK_FAILURE.receiverRefused);
    });
    await endRecorded(await queueDeliveries(run, queued(d1, d2)), 'deliver-webhooks-refused');
    expect(calls).toEqual([`deliver ${d1} #1`, `deliver ${d2} #1`]);
  });

  it('gives a delivery up with its message after a failure for good the attempt did not record (INVALID_DATA), then goes on', async () => {
    const run = pair();
    const [d1, d2] = run.ids(2) as [string, string];
    attemptScript.set(d1, async () => {
      throw ApplicationFailure.nonRetryable('PostgreSQL refused the data (SQLSTATE 22P05)', INVALID_DATA);
    });
    await endRecorded(await queueDeliveries(run, queued(d1, d2)), 'deliver-webhooks-failed-unexpectedly');
    expect(calls).toEqual([`deliver ${d1} #1`, `give up ${d1}: PostgreSQL refused the data (SQLSTATE 22P05)`, `deliver ${d2} #1`]);
    expect(workflowLogs).toContainEqual({ level: 'warn', message: 'webhook delivery failed for good; giving it up', attrs: expect.objectContaining({ deliveryId: d1, failureType: INVALID_DATA }) });
  });

  it('cancelled, gives up the delivery in hand and every one queued ("cancelled"), then ends Cancelled', async () => {
    const run = pair();
    const [d1, d2, d3] = run.ids(3) as [string, string, string];
    const inFlight = gate();
    const release = gate();
    attemptScript.set(d1, async () => {
      inFlight.open();
      await release.opened;
    });
    const handle = await queueDeliveries(run, queued(d1));
    await inFlight.opened;
    await queueDeliveries(run, queued(d2, d3));
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    release.open();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(calls).toEqual([`deliver ${d1} #1`, `give up ${d1}: cancelled`, `give up ${d2}: cancelled`, `give up ${d3}: cancelled`]);
    await recordFixture(handle, 'deliver-webhooks-cancelled', codec);
  });

  it('re-sends a redelivery of one already made, in this run or in a new one', async () => {
    const run = pair();
    const [d1, d2] = run.ids(2) as [string, string];
    const inFlight = gate();
    const release = gate();
    attemptScript.set(d2, async () => {
      inFlight.open();
      await release.opened;
    });
    const handle = await queueDeliveries(run, queued(d1, d2));
    await inFlight.opened;
    await queueDeliveries(run, [
      { deliveryId: d1, redeliver: false },
      { deliveryId: d1, redeliver: true },
    ]);
    release.open();
    await endRecorded(handle, 'deliver-webhooks-redelivered');
    expect(calls).toEqual([`deliver ${d1} #1`, `deliver ${d2} #1`, `redeliver ${d1} #1`]);

    // The run has ended: the next signal-with-start begins a new one.
    const again = await queueDeliveries(run, [{ deliveryId: d2, redeliver: true }]);
    await again.result();
    expect(again.signaledRunId).not.toBe(handle.signaledRunId);
    expect(calls.at(-1)).toBe(`redeliver ${d2} #1`);
  });
});

const event = (eventId: string): PublishedOrderEvent => ({
  eventId,
  orderId: randomUUID(),
  customerId: 'alice',
  type: 'order.confirmed',
  at: '2026-12-07T09:00:00.000Z',
  actor: { kind: 'system', id: 'order-workflow' },
  status: 'CONFIRMED',
  details: { totalCents: 1_000, currency: 'EUR' },
});

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** recordFixture for one run of a workflow that goes on (the relay): the history of `runId` alone. */
async function recordRunFixture(workflowId: string, runId: string, name: string): Promise<void> {
  const file = `${FIXTURES}${name}.json`;
  if (process.env.UPDATE_FIXTURES === '1') {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    await writeFile(file, `${JSON.stringify(await decodeHistoryPayloads(JSON.parse(historyToJSON(history)), codec), null, 2)}\n`);
  }
  expect(existsSync(file), `no fixture ${name}.json: record it with UPDATE_FIXTURES=1`).toBe(true);
}

describe('WebhookRelay', () => {
  it('fans out each batch of unpublished events, then marks them published; continues as new after loopsPerRun polls', async () => {
    const [e1, e2, e3] = [randomUUID(), randomUUID(), randomUUID()];
    outbox = [[event(e1), event(e2)], [event(e3)]];
    const secondRunPolled = gate();
    pollWatch = { count: 4, reached: secondRunPolled.open };
    const workflowId = `test-webhook-relay-${randomUUID()}`;
    const handle = await env.client.workflow.start<typeof WebhookRelay>('WebhookRelay', { taskQueue: WEBHOOK_TASK_QUEUE, workflowId, args: [{ pollWaitMs: 50, loopsPerRun: 3 }] });
    await secondRunPolled.opened;
    const firstRun = await env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
    expect(calls.slice(0, 8)).toEqual(['poll', `fan out ${e1},${e2}`, `mark ${e1},${e2}`, 'poll', `fan out ${e3}`, `mark ${e3}`, 'poll', 'poll']);
    // Every step at INTERACTIVE_PRIORITY (the run itself started at the default): none waits behind a dead receiver's attempts.
    const firstRunSteps = await scheduledPriorities(env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId));
    expect(new Set(firstRunSteps.map(([type]) => type))).toEqual(new Set(['unpublishedEvents', 'fanOutWebhookEvents', 'markEventsPublished']));
    expect(firstRunSteps.every(([, key]) => key === INTERACTIVE_PRIORITY.priorityKey)).toBe(true);
    await recordRunFixture(workflowId, handle.firstExecutionRunId, 'webhook-relay-continued-as-new');
  });
});

describe('WebhookRelay, when a step fails for good', () => {
  it('never fails: logs the failure with its type, waits (a durable timer), polls the same batch again and publishes it once the step succeeds', async () => {
    const e1 = randomUUID();
    // The outbox keeps an event until it is marked published: the failed batch comes back.
    outbox = [[event(e1)], [event(e1)]];
    fanOutScript = (call) => {
      if (call === 1) throw ApplicationFailure.nonRetryable('PostgreSQL refused the data (SQLSTATE 22P05)', INVALID_DATA);
    };
    const published = gate();
    pollWatch = { count: 3, reached: published.open };
    const workflowId = `test-webhook-relay-${randomUUID()}`;
    const handle = await env.client.workflow.start<typeof WebhookRelay>('WebhookRelay', {
      taskQueue: WEBHOOK_TASK_QUEUE,
      workflowId,
      args: [{ pollWaitMs: 50, loopsPerRun: 10, failureBackoffMs: 100, failureBackoffMaxMs: 200 }],
    });
    await published.opened;
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
    expect(calls.slice(0, 6)).toEqual(['poll', `fan out ${e1}`, 'poll', `fan out ${e1}`, `mark ${e1}`, 'poll']);
    expect(workflowLogs).toEqual([
      {
        level: 'error',
        message: 'webhook relay step failed for good; polling the same batch again after a backoff',
        attrs: expect.objectContaining({ activityType: 'fanOutWebhookEvents', failureType: INVALID_DATA, message: 'PostgreSQL refused the data (SQLSTATE 22P05)', failuresInARow: 1, retryInMs: 100 }),
      },
    ]);
    // The wait is a durable timer, between the failed fan-out and the next poll.
    const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events: Array<{ eventType: string }> };
    const types = history.events.map(({ eventType }) => eventType).filter((type) => /ACTIVITY_TASK_SCHEDULED|TIMER_STARTED/.test(type));
    expect(types.slice(0, 4)).toEqual(['EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', 'EVENT_TYPE_TIMER_STARTED', 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED']);
    await recordRunFixture(workflowId, handle.firstExecutionRunId, 'webhook-relay-step-failed');
  });

  it('backs off doubling up to its maximum while the step keeps failing', async () => {
    const e1 = randomUUID();
    outbox = [[event(e1)], [event(e1)], [event(e1)], [event(e1)]];
    fanOutScript = (call) => {
      if (call < 4) throw ApplicationFailure.nonRetryable('too big', 'SOMETHING_ELSE');
    };
    const published = gate();
    pollWatch = { count: 5, reached: published.open };
    const handle = await env.client.workflow.start<typeof WebhookRelay>('WebhookRelay', {
      taskQueue: WEBHOOK_TASK_QUEUE,
      workflowId: `test-webhook-relay-${randomUUID()}`,
      args: [{ pollWaitMs: 50, loopsPerRun: 20, failureBackoffMs: 20, failureBackoffMaxMs: 50 }],
    });
    await published.opened;
    await handle.terminate('test over');
    expect(workflowLogs.map(({ attrs }) => [attrs?.failuresInARow, attrs?.retryInMs])).toEqual([
      [1, 20],
      [2, 40],
      [3, 50],
    ]);
    expect(calls.slice(0, 9)).toEqual(['poll', `fan out ${e1}`, 'poll', `fan out ${e1}`, 'poll', `fan out ${e1}`, 'poll', `fan out ${e1}`, `mark ${e1}`]);
  });
});

/** Every payload's data in a decoded history, as text: what an operator reads through the codec. */
function payloadTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(payloadTexts);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  if (typeof record.data === 'string' && typeof record.metadata === 'object') return [Buffer.from(record.data, 'base64').toString('utf8')];
  return Object.values(record).flatMap(payloadTexts);
}

describe('subscription changes: one activity each, refusals are results (the run ends Completed)', () => {
  const start = (type: string, args: unknown[]) => env.client.workflow.start(type, { taskQueue: WEBHOOK_TASK_QUEUE, workflowId: `test-${type}-${randomUUID()}`, args });

  it('CreateWebhookSubscription answers the subscription with its secret sealed to the key it was given; the plaintext is nowhere in its history', async () => {
    const key = await sealingKey();
    const handle = await start('CreateWebhookSubscription', [{ url: 'https://hooks.example.com/orders', events: ['order.confirmed'], sealTo: key.publicKey }]);
    const result = (await handle.result()) as { ok: true; value: { sealedSecret: string } };
    expect(result).toMatchObject({ ok: true, value: { url: 'https://hooks.example.com/orders', events: ['order.confirmed'], enabled: true, sealedSecret: expect.any(String) } });
    expect(result.value).not.toHaveProperty('secret');
    expect(unseal(result.value.sealedSecret, key)).toBe(SECRET);
    // Decoded as an operator would through the codec: no secret in it.
    const decoded = payloadTexts(await decodeHistoryPayloads(JSON.parse(historyToJSON(await handle.fetchHistory())), codec)).join('\n');
    expect(decoded).toContain('sealedSecret');
    expect(decoded).not.toContain(SECRET);
    expect(decoded).not.toContain('whsec_');
    await endRecorded(handle, 'create-webhook-subscription');
  });

  it('runs its activity at INTERACTIVE_PRIORITY whatever the run was started at', async () => {
    const handle = await start('DeleteWebhookSubscription', [{ subscriptionId: randomUUID() }]);
    await handle.result();
    expect(await scheduledPriorities(handle)).toEqual([['deleteWebhookSubscription', INTERACTIVE_PRIORITY.priorityKey]]);
  });

  it('CreateWebhookSubscription refuses a target this deployment does not call (WEBHOOK_TARGET_REFUSED)', async () => {
    const handle = await start('CreateWebhookSubscription', [{ url: 'https://refused.example.com/', events: ['order.placed'], sealTo: (await sealingKey()).publicKey }]);
    expect(await handle.result()).toMatchObject({ ok: false, reason: WEBHOOK_FAILURE.targetRefused });
    await endRecorded(handle, 'create-webhook-subscription-refused');
  });

  it('UpdateWebhookSubscription refuses an unknown subscription (WEBHOOK_NOT_FOUND)', async () => {
    const subscriptionId = randomUUID();
    const handle = await start('UpdateWebhookSubscription', [{ subscriptionId, changes: { enabled: false } }]);
    expect(await handle.result()).toMatchObject({ ok: false, reason: WEBHOOK_FAILURE.notFound });
    await endRecorded(handle, 'update-webhook-subscription-refused');
    expect(calls).toEqual([`update ${subscriptionId}`]);
  });

  it('DeleteWebhookSubscription answers the subscription deleted', async () => {
    const subscriptionId = randomUUID();
    const handle = await start('DeleteWebhookSubscription', [{ subscriptionId }]);
    expect(await handle.result()).toEqual({ ok: true, value: { subscriptionId } });
    await endRecorded(handle, 'delete-webhook-subscription');
  });
});
