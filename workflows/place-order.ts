import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { InventoryActivities } from '../activities/inventory/contract.js';
import type { EmailKind, EmailOrder, EmailSubject, NotificationActivities } from '../activities/notification/contract.js';
import { ORDER_FAILURE, unpricedLines, type NewOrder, type OrderActivities, type OrderStatus, type PricedOrder, type RejectionReason } from '../activities/order/contract.js';
import { type Authorisation, captureDeadline, type PaymentActivities } from '../activities/payment/contract.js';
import type { ProductActivities } from '../activities/product/contract.js';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { INVALID_DATA } from '../common/domain-error.js';
import { isRejectedOutcome, type Outcome } from '../common/outcome.js';
import { INTERACTIVE_PRIORITY } from '../common/task-priority.js';
import { isPlainLine } from '../common/text-rules.js';
import {
  inventoryActivityOptions,
  notificationActivityOptions,
  orderActivityOptions,
  orderLocalActivityOptions,
  paymentActivityOptions,
  productActivityOptions,
} from './activity-options.js';
import { FulfilmentDesk } from './fulfilment.js';
import { orderDetails } from './order-details.js';
import { cancelActor, cancelOrder, getOrderState, type CancelRequest, type OrderState, type PlaceOrderInput } from './place-order.contract.js';
import { ORDER_STATUS } from './search-attributes.js';

const product = proxyActivities<ProductActivities>(productActivityOptions);
const inventory = proxyActivities<InventoryActivities>(inventoryActivityOptions);
const order = proxyActivities<OrderActivities>(orderActivityOptions);
const notification = proxyActivities<NotificationActivities>(notificationActivityOptions);
const payment = proxyActivities<PaymentActivities>(paymentActivityOptions);
const orderLocal = proxyLocalActivities<OrderActivities>(orderLocalActivityOptions);

/**
 * The order saga: one run per order, from checkout to the end of its return window. Workflow ID:
 * `order-<orderId>` (see place-order.contract.ts).
 *   1. record      the order as PENDING                           (order, local activity)
 *   2. price       snapshot names and prices                      (product)    unknown, inactive, ... -> REJECTED
 *      reserve     every line, all or nothing, at the same time   (inventory)  short                -> REJECTED
 *                  compensation: release the reservation
 *   3. authorise   the total on the customer's payment method     (payment)    declined -> REJECTED (PAYMENT_DECLINED)
 *                  (orders placed with one)                        compensation: void the authorisation
 *   4. confirm     with totals, then commit the reservation       (order local activity, inventory)
 *                  and email the customer in the background: a mail outage delays the email, never the order
 *   5. await       the first shipment or a cancel: the customer may cancel within the cancellation
 *                  window, staff until the first shipment. An authorisation about to lapse
 *                  (captureDeadline) cancels an order not shipped by then.
 *   6. fulfil      shipments and deliveries, Updates from staff (fulfilment.ts); the first shipment
 *                  captures the payment; units not shipped within the fulfilment window of the first
 *                  shipment are cancelled: stock released, their price refunded
 *   7. returns     once everything is delivered, for the return window: customers ask, staff
 *                  receive (restocked or not) and the refund follows; the run ends when the window
 *                  has closed and every return asked for was received
 *   cancel         (the cancelOrder Update, a cancellation through Temporal, a lapsing authorisation):
 *                  compensate, mark CANCELLED (both at INTERACTIVE_PRIORITY), email. A cancel that
 *                  arrives while the order is PENDING takes effect at the next step boundary.
 * A rejection compensates too, then records REJECTED and emails. Business outcomes are results;
 * only data PostgreSQL refuses (INVALID_DATA) arrives as a failure, and rejects the order all the same.
 *
 * Versioning: every path has a recorded history in workflows/fixtures/ that the replay gate
 * (`npm test`) replays against this code. A change to the commands a history holds goes through
 * patch -> deprecate -> remove: the SDK's `patched` with the change's ID around the new branch; once
 * no order started before it is open, `deprecatePatch`; once no history holding the marker is left
 * in retention, the old branch goes. No version decision, and no read of handler state that picks a
 * branch, is taken right after a local activity resolves: on replay, Core resolves a local activity
 * from its marker one workflow task earlier than the original run may have seen it, so a decision
 * taken there can differ from the recorded one. Take it before the first local activity (as the
 * cancel that came with the start is read), or after a remote step.
 *   - FULFILMENT_PATCH (steps 5-7): orders started before it end, CONFIRMED for good, when their
 *     cancellation window closes (`closeCancellationWindow`). Step 3 needs no patch: it runs only for
 *     an order placed with a payment method, which no earlier history has.
 */
export const FULFILMENT_PATCH = 'order-fulfilment';

export async function PlaceOrder(input: PlaceOrderInput): Promise<OrderState> {
  return new OrderSaga(input).run();
}

/**
 * Undoes a step that took effect; `why` is recorded with what it undoes. `urgent`: someone waits for
 * it (a cancel), so its activity runs at INTERACTIVE_PRIORITY.
 */
type Compensation = (why: string, urgent: boolean) => Promise<unknown>;

/**
 * A cancel is answered once the stock is released and the order marked CANCELLED: those two
 * activities run at INTERACTIVE_PRIORITY, ahead of a burst's orders on the inventory and order queues.
 * The cancel's workflow tasks stay at the order's own priority (the default): server 1.29 cannot
 * raise a running workflow's priority, and an order's priority is chosen when it is placed. The
 * emails stay at the order's priority too: nobody waits for them.
 */
const cancelling = { priority: INTERACTIVE_PRIORITY };

/** Cancels an order whose authorisation would lapse before its first shipment (see captureDeadline). */
const AUTHORISATION_LAPSED: CancelRequest = { requestedBy: 'payment', reason: 'the payment authorisation lapses before the order shipped', byStaff: true, bySystem: true };

/** The defaults of ORDER_RETURN_WINDOW and ORDER_FULFILMENT_WINDOW, for an input that does not carry them. */
const DEFAULT_RETURN_WINDOW = '30 days';
const DEFAULT_FULFILMENT_WINDOW = '14 days';

const lineCount = (n: number) => `${n} line${n === 1 ? '' : 's'}`;

/**
 * The INVALID_DATA failure an activity raised: wrapped in an ActivityFailure (a remote activity)
 * or as it is (a local activity's failure reaches the workflow unwrapped).
 */
function invalidDataFailure(error: unknown): ApplicationFailure | undefined {
  const failure = error instanceof ActivityFailure ? error.cause : error;
  return failure instanceof ApplicationFailure && failure.type === INVALID_DATA ? failure : undefined;
}

/** Data PostgreSQL refused, the one business outcome that still arrives as a failure, as the refusal it is. */
async function invalidDataAsRefusal<T, R extends string>(step: Promise<Outcome<T, R>>): Promise<Outcome<T, R | typeof INVALID_DATA>> {
  try {
    return await step;
  } catch (error) {
    const invalid = invalidDataFailure(error);
    if (invalid) return { ok: false, reason: INVALID_DATA, message: invalid.message };
    throw error;
  }
}

class OrderSaga {
  private readonly state: OrderState;
  private cancelRequest: CancelRequest | undefined;
  /** The confirmation email, sent in the background while the window is open. */
  private confirmation: Promise<unknown> | undefined;
  /** Emails of shipments, deliveries, returns and refunds, sent in the background; the run ends after them. */
  private readonly background: Promise<unknown>[] = [];
  /** What undoes the steps taken so far, newest first. */
  private readonly compensations: Compensation[] = [];
  /** The money held for the order, and when (orders placed with a payment method). */
  private authorisation: { held: Authorisation; at: Date } | undefined;
  private readonly desk: FulfilmentDesk;
  /** Whether this run takes the fulfilment branch (FULFILMENT_PATCH); decided at its start. */
  private fulfils = false;

  constructor(private readonly input: PlaceOrderInput) {
    this.state = {
      orderId: input.orderId,
      customerId: input.customerId,
      lines: input.lines,
      placedAt: workflowInfo().startTime.toISOString(),
      status: 'PENDING',
      cancellable: true,
    };
    setHandler(getOrderState, () => this.state);
    setHandler(
      cancelOrder,
      async (request) => {
        // Concurrent cancels share one cancellation: the first request is the one acted on.
        this.cancelRequest ??= request;
        await condition(() => this.state.status === 'CANCELLED' || !this.state.cancellable);
        return this.state;
      },
      { validator: (request) => this.refuseLateCancel(request) },
    );
    this.desk = new FulfilmentDesk({
      orderId: input.orderId,
      state: this.state,
      priced: () => this.state.priced!,
      paid: () => this.authorisation !== undefined,
      uncancelled: () => this.cancelRequest === undefined,
      setStatus: (status) => this.setStatus(status),
      email: (kind, subject) => void this.background.push(this.email(kind, this.content(), subject)),
      authorisationLapsed: () => (this.cancelRequest ??= AUTHORISATION_LAPSED),
      returnWindowMs: msToNumber(input.returnWindow ?? DEFAULT_RETURN_WINDOW),
    });
    this.describe();
  }

  async run(): Promise<OrderState> {
    try {
      return await this.steps();
    } catch (error) {
      if (!isCancellation(error)) throw error;
      // Cancelled through Temporal itself (Web UI, CLI): settle the order as a cancel would,
      // shielded from the cancellation so that compensation runs to the end.
      return CancellationScope.nonCancellable(() => this.settleAfterTemporalCancellation());
    }
  }

  private async steps(): Promise<OrderState> {
    // What the first workflow task knew (an Update-with-start's cancel), read before the first
    // local activity (see Versioning above).
    const cancelledBeforeRecorded = this.cancelRequest;
    this.fulfils = patched(FULFILMENT_PATCH);
    // An order started before fulfilment ends with its cancellation window: it takes no shipment.
    if (!this.fulfils) this.desk.closeShipping('it was placed before fulfilment');
    if (!(await this.record())) return this.finish();
    if (cancelledBeforeRecorded) return this.cancel(cancelledBeforeRecorded);

    const pricing = await this.priceAndReserve();
    if (!pricing.ok) return this.reject(pricing.reason);
    if (this.cancelRequest) return this.cancel(this.cancelRequest);

    // Inside the patch too: a worker from before it would confirm a paid order without authorising.
    const authorised = this.fulfils ? await this.authorise(pricing.value) : ({ ok: true, value: null } as const);
    if (!authorised.ok) return this.reject(authorised.reason);
    if (this.cancelRequest) return this.cancel(this.cancelRequest);

    const confirmed = await this.confirm(pricing.value);
    if (!confirmed.ok) return this.reject(confirmed.reason);
    if (!this.fulfils) return this.closeCancellationWindow();

    if (!(await this.awaitFirstShipment())) return this.cancel(this.cancelRequest ?? AUTHORISATION_LAPSED);
    return this.afterFirstShipment();
  }

  /** Steps 6 and 7: once something has shipped, nothing is undone; the order runs to the end of its return window. */
  private async afterFirstShipment(): Promise<OrderState> {
    await this.awaitTheRest();
    await condition(() => this.desk.delivered);
    await this.awaitReturns();
    await this.confirmation;
    return this.finish();
  }

  /** Step 1. False when the order service cannot store the order at all: there is no record to reject or email from. */
  private async record(): Promise<boolean> {
    try {
      await orderLocal.recordOrder.executeWithOptions({ summary: `record order (${lineCount(this.input.lines.length)})` }, [this.newOrder()]);
      return true;
    } catch (error) {
      if (!invalidDataFailure(error)) throw error;
      log.warn('order could not be recorded', { orderId: this.input.orderId, reason: INVALID_DATA });
      this.state.reason = INVALID_DATA;
      this.setStatus('REJECTED');
      return false;
    }
  }

  /** Step 2. Pricing and reserving need nothing of each other: they run at the same time, and a refusal from either rejects the order. */
  private async priceAndReserve(): Promise<Outcome<PricedOrder, RejectionReason>> {
    const { orderId, lines } = this.input;
    const [pricing, reservation] = await Promise.all([
      invalidDataAsRefusal(product.priceOrder.executeWithOptions({ summary: `price ${lineCount(lines.length)}` }, [lines])),
      this.step(
        () => invalidDataAsRefusal(inventory.reserveOrderStock.executeWithOptions({ summary: `reserve ${lineCount(lines.length)}` }, [{ orderId, lines }])),
        (why, urgent) =>
          inventory.releaseReservation.executeWithOptions({ summary: `release reservation (${why})`, ...(urgent && cancelling) }, [{ orderId, reason: why }]),
      ),
    ]);
    if (!reservation.ok && pricing.ok) return reservation;
    return pricing;
  }

  /** Step 3, for an order placed with a payment method: a decline rejects the order (and the stock goes back). */
  private async authorise(priced: PricedOrder): Promise<Outcome<null, RejectionReason>> {
    const method = this.input.payment?.method;
    if (method === undefined) return { ok: true, value: null };
    const { orderId } = this.input;
    const { totalCents: amountCents, currency } = priced;
    const authorisation = await this.step(
      () => payment.authorisePayment.executeWithOptions({ summary: `authorise ${amountCents} ${currency} (minor units)` }, [{ orderId, amountCents, currency, method }]),
      (why, urgent) => payment.voidPayment.executeWithOptions({ summary: `void authorisation (${why})`, ...(urgent && cancelling) }, [{ orderId, reason: why }]),
    );
    if (!authorisation.ok) return authorisation;
    this.authorisation = { held: authorisation.value, at: new Date() };
    return { ok: true, value: null };
  }

  /** Step 4. If confirming fails, the stock is given back (and the authorisation voided). */
  private async confirm(priced: PricedOrder): Promise<Outcome<null, RejectionReason>> {
    const { orderId } = this.input;
    try {
      await orderLocal.confirmOrder.executeWithOptions({ summary: `confirm ${priced.totalCents} ${priced.currency} (minor units)` }, [{ orderId, priced }]);
      await inventory.commitReservation.executeWithOptions({ summary: 'commit reservation' }, [{ orderId }]);
    } catch (error) {
      if (isCancellation(error)) throw error;
      await this.compensate('order could not be confirmed', false);
      // Data PostgreSQL refused rejects the order; anything else is a bug, and fails the workflow.
      const invalid = invalidDataFailure(error);
      if (!invalid) throw error;
      return { ok: false, reason: INVALID_DATA, message: invalid.message };
    }
    this.state.priced = priced;
    this.state.customerCancellableUntil = new Date(Date.now() + msToNumber(this.input.cancellationWindow)).toISOString();
    this.setStatus('CONFIRMED');
    // In the background: the cancellation window does not wait for SMTP.
    this.confirmation = this.email('ORDER_CONFIRMED', this.content());
    return { ok: true, value: null };
  }

  /**
   * Step 5. True once the first shipment is recorded; false when a cancel came first, or the
   * authorisation is about to lapse with nothing shipped (a shipment already accepted then still
   * goes out: its capture is under way).
   */
  private async awaitFirstShipment(): Promise<boolean> {
    const shippedOrCancelled = () => this.cancelRequest !== undefined || this.desk.shipped;
    if (!this.authorisation) {
      await condition(shippedOrCancelled);
      return this.cancelRequest === undefined;
    }
    const deadline = captureDeadline(this.authorisation.at, this.authorisation.held);
    const inTime = await condition(shippedOrCancelled, Math.max(1, deadline.getTime() - Date.now()), { summary: `until the first shipment, by ${deadline.toISOString()}` });
    if (!inTime) {
      this.desk.closeShipping('its payment authorisation lapses');
      await condition(() => this.desk.shipped || !this.desk.shipping);
    }
    return this.cancelRequest === undefined && this.desk.shipped;
  }

  /** Step 6. The rest ships within the fulfilment window of the first shipment; what has not by then never will, and is refunded. */
  private async awaitTheRest(): Promise<void> {
    if (this.desk.everythingShipped) return;
    const window = this.input.fulfilmentWindow ?? DEFAULT_FULFILMENT_WINDOW;
    if (await condition(() => this.desk.everythingShipped, window, { summary: `fulfilment window ${window}` })) return;
    await this.desk.cancelUnshipped();
  }

  /**
   * Step 7. Returns are taken until the return window closes (it opened with the last delivery), or
   * until every unit was asked back; every return asked for is received before the run ends.
   */
  private async awaitReturns(): Promise<void> {
    const closesAt = this.desk.returnsOpenUntil!;
    await condition(() => this.desk.nothingLeftToReturn, Math.max(1, closesAt - Date.now()), { summary: `return window, until ${new Date(closesAt).toISOString()}` });
    this.desk.closeReturns();
    this.describe();
    await condition(() => this.desk.returnsSettled);
  }

  /**
   * Orders started before FULFILMENT_PATCH: cancellable until the durable timer fires or a cancel
   * arrives, then CONFIRMED for good.
   */
  private async closeCancellationWindow(): Promise<OrderState> {
    const window = this.input.cancellationWindow;
    await condition(() => this.cancelRequest !== undefined, window, { summary: `cancellation window ${window}` });
    // Checked after the wait, not from its result: a cancel accepted with the timer's firing still wins.
    if (this.cancelRequest) return this.cancel(this.cancelRequest);
    this.state.cancellable = false;
    this.describe();
    await this.confirmation;
    return this.finish();
  }

  /** Step 5, the one cancel path: steps undone, order CANCELLED, customer told. */
  private async cancel(request: CancelRequest): Promise<OrderState> {
    const reason = request.reason ?? `cancelled by ${request.requestedBy}`;
    await this.compensate(`order cancelled: ${reason}`, true);
    await order.cancelOrder.executeWithOptions({ summary: 'cancel order', ...cancelling }, [{ orderId: this.input.orderId, reason, actor: cancelActor(request) }]);
    this.state.reason = reason;
    this.state.cancellable = false;
    this.setStatus('CANCELLED');
    await this.confirmation;
    await this.email('ORDER_CANCELLED', this.content());
    return this.finish();
  }

  /** A business rejection: steps undone, recorded, shown, emailed. */
  private async reject(reason: RejectionReason): Promise<OrderState> {
    log.info('order rejected', { orderId: this.input.orderId, reason });
    await this.compensate(`order rejected: ${reason}`, false);
    await order.rejectOrder.executeWithOptions({ summary: `reject: ${reason}` }, [{ orderId: this.input.orderId, reason }]);
    this.state.reason = reason;
    this.setStatus('REJECTED');
    await this.email('ORDER_REJECTED', { ...this.content(), reason });
    return this.finish();
  }

  /** After a cancellation through Temporal: cancel if still possible, else finish what the decision owes. */
  private async settleAfterTemporalCancellation(): Promise<OrderState> {
    log.warn('workflow cancelled through Temporal; settling the order', { orderId: this.input.orderId, status: this.state.status });
    // The cancellation may have interrupted the recording itself: it is idempotent, so make sure.
    if (this.state.status === 'PENDING') await order.recordOrder(this.newOrder());
    await this.confirmation;
    // A shipment under way (its capture) finishes first; once the order has shipped, a cancellation
    // can no longer undo it, and the run goes on to the end of its return window.
    await condition(() => !this.desk.shipping);
    if (this.fulfils && this.desk.shipped) return this.afterFirstShipment();
    if (this.state.cancellable) {
      const request: CancelRequest = { requestedBy: 'temporal', reason: 'workflow cancelled by an operator', byStaff: true, bySystem: true };
      this.cancelRequest ??= request; // no shipment starts from here on
      return this.cancel(request);
    }
    // Emails are idempotent per (order, kind): sending again only completes an interrupted one.
    if (this.state.status === 'REJECTED') await this.email('ORDER_REJECTED', { ...this.content(), reason: String(this.state.reason) });
    if (this.state.status === 'CANCELLED') await this.email('ORDER_CANCELLED', this.content());
    return this.finish();
  }

  /**
   * Runs a step whose effect `compensation` undoes. It is registered before the step runs (a step
   * cut short by a cancellation may still have taken effect) and dropped if the step was refused.
   */
  private async step<T>(invoke: () => Promise<T>, compensation: Compensation): Promise<T> {
    this.compensations.unshift(compensation);
    const result = await invoke();
    const registered = this.compensations.indexOf(compensation);
    if (isRejectedOutcome(result) && registered >= 0) this.compensations.splice(registered, 1);
    return result;
  }

  /**
   * Undoes every step taken, newest first. Shielded from a cancellation through Temporal, and an
   * entry leaves the list only once it has run: a compensation cut short runs again (they are
   * idempotent) rather than being lost with the stock it holds.
   */
  private async compensate(why: string, urgent: boolean): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (let undo = this.compensations[0]; undo; undo = this.compensations[0]) {
        await undo(why, urgent);
        this.compensations.shift();
      }
    });
  }

  private refuseLateCancel(request: CancelRequest): void {
    // The request is stored with the order: refuse here what PostgreSQL would refuse later.
    if (!isPlainLine(request.requestedBy, 200) || (request.reason !== undefined && !isPlainLine(request.reason, 500))) {
      throw ApplicationFailure.create({ type: INVALID_DATA, message: 'requestedBy and reason must be plain text', nonRetryable: true });
    }
    // Only the workflow itself cancels as the system: a caller is a customer or staff.
    if (request.bySystem) throw ApplicationFailure.create({ type: INVALID_DATA, message: 'a cancel request cannot be made as the system', nonRetryable: true });
    const notCancellable = (message: string) => ApplicationFailure.create({ type: ORDER_FAILURE.notCancellable, message, nonRetryable: true });
    const { status, cancellable, customerCancellableUntil } = this.state;
    if (status === 'CANCELLED') return;
    if (status === 'REJECTED') throw notCancellable(`Order ${this.input.orderId} was rejected`);
    if (!cancellable) throw notCancellable(this.desk.shipped || this.desk.shipping ? `Order ${this.input.orderId} has shipped` : `The cancellation window of order ${this.input.orderId} has closed`);
    // Validators run when the Update arrives, never on replay: the workflow's clock is the time of arrival.
    if (!request.byStaff && customerCancellableUntil !== undefined && Date.now() >= new Date(customerCancellableUntil).getTime()) {
      throw notCancellable(`The cancellation window of order ${this.input.orderId} has closed; staff can still cancel it until it ships`);
    }
  }

  // An email once started runs to its end even if the workflow is cancelled: abandoning it
  // mid-send and sending again could reach the customer twice.
  private email(kind: EmailKind, content: EmailOrder, subject?: EmailSubject): Promise<unknown> {
    return CancellationScope.nonCancellable(() =>
      notification.sendOrderEmail.executeWithOptions({ summary: `email ${kind}` }, [{ kind, to: this.input.customerEmail, order: content, ...(subject && { subject }) }]),
    );
  }

  private setStatus(status: OrderStatus): void {
    this.state.status = status;
    if (status === 'REJECTED') this.state.cancellable = false;
    upsertSearchAttributes([{ key: ORDER_STATUS, value: status }]);
    this.describe();
  }

  /** What an operator sees first in the Web UI, kept current at every step. */
  private describe(): void {
    setCurrentDetails(orderDetails(this.state, this.input));
  }

  private content(): EmailOrder {
    const { orderId, lines } = this.input;
    return this.state.priced ? { orderId, ...this.state.priced } : { orderId, lines: unpricedLines(lines), totalCents: null, currency: null };
  }

  /** The order as the order service records it: the input, less what only the saga uses. */
  private newOrder(): NewOrder {
    const { cancellationWindow: _window, ...order } = this.input;
    return order;
  }

  private async finish(): Promise<OrderState> {
    await condition(allHandlersFinished);
    await Promise.all(this.background);
    return this.state;
  }
}
