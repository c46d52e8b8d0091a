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
import type { InventoryActivities } from '../activities/inventory/activities.js';
import type { NotificationActivities } from '../activities/notification/activities.js';
import type { OrderActivities } from '../activities/order/activities.js';
import type { OrderStatus, PricedOrder } from '../activities/order/types.js';
import type { ProductActivities } from '../activities/product/activities.js';
import { FAILURE, isRejectionReason, type RejectionReason } from '../common/failures.js';
import { isPlainLine } from '../common/text-rules.js';
import {
  inventoryActivityOptions,
  notificationActivityOptions,
  orderActivityOptions,
  orderLocalActivityOptions,
  productActivityOptions,
} from './activity-options.js';
import { orderDetails } from './order-details.js';
import {
  cancelOrder,
  getOrderState,
  type CancelRequest,
  type EmailKind,
  type EmailOrder,
  type OrderState,
  type PlaceOrderInput,
} from './place-order.contract.js';
import { ORDER_STATUS } from './search-attributes.js';

const product = proxyActivities<ProductActivities>(productActivityOptions);
const inventory = proxyActivities<InventoryActivities>(inventoryActivityOptions);
const order = proxyActivities<OrderActivities>(orderActivityOptions);
const notification = proxyActivities<NotificationActivities>(notificationActivityOptions);
const orderLocal = proxyLocalActivities<OrderActivities>(orderLocalActivityOptions);

/**
 * Histories recorded before this change priced and reserved with activities that *threw* the
 * rejection; they replay down the old branch. New runs call activities that return it.
 */
const REJECTIONS_AS_RESULTS = 'rejections-as-results';

/**
 * Fewer round trips: the order service's own steps (record, confirm) run as local activities in
 * the worker that runs the workflow, and pricing and reserving run at the same time. Histories
 * recorded before replay down the old, sequential branch.
 */
const SHORTER_SAGA = 'shorter-saga';

/**
 * The shorter saga with rejections as results, decided in one patch before the first step.
 * On replay, Core resolves a local activity from its marker as soon as the marker is in the
 * workflow task being replayed, but announces a patch only with the task whose history holds its
 * marker. A query answered while `recordOrder` ran can end a workflow task between the local
 * activity's marker and what followed it, so a `patched()` called after the local activity then
 * ran a task early, saw no marker, and took the old branch: nondeterminism. The same holds for a
 * cancel delivered with that next task: read right after the local activity, it was seen when
 * recorded and missed on replay. So every version decision, and the check for a cancel that came
 * before the order was recorded, is taken before the first local activity; a cancel that comes
 * while it runs takes effect after pricing and reserving (their results come with the task
 * they were recorded in). Histories recorded before replay down SHORTER_SAGA and
 * REJECTIONS_AS_RESULTS as they were recorded.
 */
const DECIDED_UP_FRONT = 'versions-decided-up-front';

const lineCount = (n: number) => `${n} line${n === 1 ? '' : 's'}`;

/** The business reason carried by a non-retryable activity failure, if it is one that rejects an order. */
function rejectionReasonOf(error: unknown): RejectionReason | undefined {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && isRejectionReason(error.cause.type)) {
    return error.cause.type;
  }
  return undefined;
}

type Priced = { ok: true; priced: PricedOrder } | { ok: false; reason: RejectionReason };

/**
 * The order saga. Workflow ID: `order-<orderId>` (see place-order.contract.ts).
 *   1. record the order as PENDING                            (order, local activity)
 *   2. price and reserve, at the same time: snapshot names    (product)    unknown/inactive -> REJECTED
 *      and prices, and reserve every line, all or nothing     (inventory)  short            -> REJECTED
 *      (stock reserved for an order pricing rejects is released)
 *   3. confirm with totals, commit the reservation            (order local activity, then inventory)
 *      and email the customer in the background; a mail outage delays the email, never the order
 *   4. await the cancellation window (a durable timer)
 *   5. settle: a cancel (the cancelOrder Update, or a cancellation through Temporal) releases
 *      the stock, marks the order CANCELLED and emails the customer.
 * A cancel that arrives while the order is PENDING takes effect at the next step boundary.
 */
export async function PlaceOrder(input: PlaceOrderInput): Promise<OrderState> {
  return new OrderSaga(input).run();
}

class OrderSaga {
  private readonly state: OrderState;
  private cancelRequest: CancelRequest | undefined;
  /** The confirmation email, sent in the background while the window is open. */
  private confirmation: Promise<unknown> | undefined;
  /** Decided once, before the first step (see DECIDED_UP_FRONT). */
  private upFront = false;
  /** Whether this run takes the shorter saga (see SHORTER_SAGA); decided before the first step. */
  private shorter = false;

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
    setCurrentDetails(orderDetails(this.state, input));
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
    this.upFront = patched(DECIDED_UP_FRONT);
    this.shorter = this.upFront || patched(SHORTER_SAGA);
    // What the first workflow task knew (an Update-with-start's cancel): read before the local
    // activity, since reading it right after one is not replay-safe (see DECIDED_UP_FRONT).
    const cancelBeforeRecord = this.cancelRequest;
    if (!(await this.record())) return this.finish();
    const cancel = this.upFront ? cancelBeforeRecord : this.cancelRequest;
    if (cancel) return this.settle(cancel);

    const pricing = await this.priceAndReserve();
    if (!pricing.ok) return this.reject(pricing.reason);
    if (this.cancelRequest) return this.settle(this.cancelRequest);

    const confirmed = await this.confirm(pricing.priced);
    if (!confirmed.ok) return this.reject(confirmed.reason);

    await this.awaitCancellationWindow();
    // Checked after the wait, not from its result: a cancel accepted with the timer's firing still wins.
    if (this.cancelRequest) return this.settle(this.cancelRequest);
    this.state.cancellable = false;
    this.describe();
    await this.confirmation;
    return this.finish();
  }

  /** Step 1. False when the order service cannot store the order at all (nothing is held then). */
  private async record(): Promise<boolean> {
    try {
      const summary = `record order (${lineCount(this.input.lines.length)})`;
      if (this.shorter) await orderLocal.recordOrder.executeWithOptions({ summary }, [this.newOrder()]);
      else await order.recordOrder.executeWithOptions({ summary }, [this.newOrder()]);
      return true;
    } catch (error) {
      // Data the order service cannot store (a second line behind the API's validation): there
      // is no record to reject or email from.
      const reason = rejectionReasonOf(error);
      if (!reason) throw error;
      log.warn('order could not be recorded', { orderId: this.input.orderId, reason });
      this.state.reason = reason;
      this.setStatus('REJECTED');
      return false;
    }
  }

  /** Step 2. Snapshot prices, then hold stock for every line; either may reject the order. */
  private async priceAndReserve(): Promise<Priced> {
    const { orderId, lines } = this.input;
    const lineSummary = lineCount(lines.length);
    if (!this.upFront && !patched(REJECTIONS_AS_RESULTS)) return this.priceAndReserveThrowing();
    if (this.shorter) return this.priceAndReserveTogether();

    try {
      const pricing = await product.priceOrder.executeWithOptions({ summary: `price ${lineSummary}` }, [lines]);
      if (!pricing.ok) return { ok: false, reason: pricing.reason };
      if (this.cancelRequest) return { ok: true, priced: pricing.value };
      const reservation = await inventory.reserveOrderStock.executeWithOptions({ summary: `reserve ${lineSummary}` }, [{ orderId, lines }]);
      if (!reservation.ok) return { ok: false, reason: reservation.reason };
      return { ok: true, priced: pricing.value };
    } catch (error) {
      // Data PostgreSQL refuses (INVALID_DATA) still arrives as a failure: a rejection all the same.
      const reason = rejectionReasonOf(error);
      if (!reason) throw error;
      return { ok: false, reason };
    }
  }

  /**
   * Step 2 of the shorter saga: price and reserve at the same time (neither needs the other's
   * result). A rejection from either rejects the order; stock reserved for an order that pricing
   * then rejects is given back before the rejection is recorded, so that, as before, a rejected
   * order holds nothing.
   */
  private async priceAndReserveTogether(): Promise<Priced> {
    const { orderId, lines } = this.input;
    const lineSummary = lineCount(lines.length);
    const outcome = <T>(step: Promise<T>) =>
      step.then(
        (value) => ({ value }),
        (error: unknown) => {
          // Data PostgreSQL refuses (INVALID_DATA) still arrives as a failure: a rejection all the same.
          const reason = rejectionReasonOf(error);
          if (!reason) throw error;
          return { reason };
        },
      );
    const [pricing, reservation] = await Promise.all([
      outcome(product.priceOrder.executeWithOptions({ summary: `price ${lineSummary}` }, [lines])),
      outcome(inventory.reserveOrderStock.executeWithOptions({ summary: `reserve ${lineSummary}` }, [{ orderId, lines }])),
    ]);
    const pricingRejection = 'reason' in pricing ? pricing.reason : pricing.value.ok ? undefined : pricing.value.reason;
    const reservationRejection = 'reason' in reservation ? reservation.reason : reservation.value.ok ? undefined : reservation.value.reason;
    if (pricingRejection) {
      if (!reservationRejection) {
        await inventory.releaseReservation.executeWithOptions({ summary: 'release reservation (not priced)' }, [{ orderId, reason: `order rejected: ${pricingRejection}` }]);
      }
      return { ok: false, reason: pricingRejection };
    }
    if (reservationRejection) return { ok: false, reason: reservationRejection };
    if (!('value' in pricing) || !pricing.value.ok) throw new Error('unreachable: pricing neither rejected nor priced');
    return { ok: true, priced: pricing.value.value };
  }

  /** Step 2 as histories recorded before REJECTIONS_AS_RESULTS did it. */
  private async priceAndReserveThrowing(): Promise<Priced> {
    try {
      const priced = await product.priceOrderLines(this.input.lines);
      if (this.cancelRequest) return { ok: true, priced };
      await inventory.reserveStock({ orderId: this.input.orderId, lines: this.input.lines });
      return { ok: true, priced };
    } catch (error) {
      const reason = rejectionReasonOf(error);
      if (!reason) throw error;
      return { ok: false, reason };
    }
  }

  /** Step 3. From here on stock is held for this order: if confirming fails, it is given back. */
  private async confirm(priced: PricedOrder): Promise<{ ok: true } | { ok: false; reason: RejectionReason }> {
    const { orderId } = this.input;
    try {
      const summary = `confirm ${priced.totalCents} ${priced.currency} (minor units)`;
      if (this.shorter) await orderLocal.confirmOrder.executeWithOptions({ summary }, [{ orderId, priced }]);
      else await order.confirmOrder.executeWithOptions({ summary }, [{ orderId, priced }]);
      await inventory.commitReservation.executeWithOptions({ summary: 'commit reservation' }, [{ orderId }]);
    } catch (error) {
      await inventory.releaseReservation.executeWithOptions({ summary: 'release reservation (not confirmed)' }, [{ orderId, reason: 'order could not be confirmed' }]);
      const reason = rejectionReasonOf(error);
      if (!reason) throw error;
      return { ok: false, reason };
    }
    this.state.priced = priced;
    this.setStatus('CONFIRMED');
    // In the background: the cancellation window does not wait for SMTP.
    this.confirmation = this.email('ORDER_CONFIRMED', this.content());
    return { ok: true };
  }

  /** Step 4. Cancellable until the durable timer fires or a cancel arrives. */
  private async awaitCancellationWindow(): Promise<void> {
    const window = this.input.cancellationWindow;
    await condition(() => this.cancelRequest !== undefined, window, { summary: `cancellation window ${window}` });
  }

  /** Step 5, the one settle path: stock back (idempotent), order CANCELLED, customer told. */
  private async settle(request: CancelRequest): Promise<OrderState> {
    const { orderId } = this.input;
    const reason = request.reason ?? `cancelled by ${request.requestedBy}`;
    await inventory.releaseReservation.executeWithOptions({ summary: 'release reservation (cancelled)' }, [{ orderId, reason: `order cancelled: ${reason}` }]);
    await order.cancelOrder.executeWithOptions({ summary: 'cancel order' }, [{ orderId, reason }]);
    this.state.reason = reason;
    this.state.cancellable = false;
    this.setStatus('CANCELLED');
    await this.confirmation;
    await this.email('ORDER_CANCELLED', this.content());
    return this.finish();
  }

  /** After a cancellation through Temporal: settle if still possible, else finish what the decision owes. */
  private async settleAfterTemporalCancellation(): Promise<OrderState> {
    log.warn('workflow cancelled through Temporal; settling the order', { orderId: this.input.orderId, status: this.state.status });
    // The cancellation may have interrupted the recording itself: it is idempotent, so make sure.
    if (this.state.status === 'PENDING') await order.recordOrder(this.newOrder());
    await this.confirmation;
    if (this.state.cancellable) return this.settle({ requestedBy: 'temporal', reason: 'workflow cancelled by an operator' });
    // Emails are idempotent per (order, kind): sending again only completes an interrupted one.
    if (this.state.status === 'REJECTED') await this.email('ORDER_REJECTED', { ...this.content(), reason: String(this.state.reason) });
    if (this.state.status === 'CANCELLED') await this.email('ORDER_CANCELLED', this.content());
    return this.finish();
  }

  /** A business rejection: recorded, shown, emailed. */
  private async reject(reason: RejectionReason): Promise<OrderState> {
    log.info('order rejected', { orderId: this.input.orderId, reason });
    await order.rejectOrder.executeWithOptions({ summary: `reject: ${reason}` }, [{ orderId: this.input.orderId, reason }]);
    this.state.reason = reason;
    this.setStatus('REJECTED');
    await this.email('ORDER_REJECTED', { ...this.content(), reason });
    return this.finish();
  }

  private refuseLateCancel(request: CancelRequest): void {
    // The request is stored with the order: refuse here what PostgreSQL would refuse later.
    if (!isPlainLine(request.requestedBy, 200) || (request.reason !== undefined && !isPlainLine(request.reason, 500))) {
      throw ApplicationFailure.create({ type: FAILURE.invalidData, message: 'requestedBy and reason must be plain text', nonRetryable: true });
    }
    if (this.state.status === 'CANCELLED' || this.state.cancellable) return;
    throw ApplicationFailure.create({
      type: FAILURE.notCancellable,
      message: this.state.status === 'REJECTED' ? `Order ${this.input.orderId} was rejected` : `The cancellation window of order ${this.input.orderId} has closed`,
      nonRetryable: true,
    });
  }

  // An email once started runs to its end even if the workflow is cancelled: abandoning it
  // mid-send and sending again could reach the customer twice.
  private email(kind: EmailKind, content: EmailOrder): Promise<unknown> {
    return CancellationScope.nonCancellable(() =>
      notification.sendOrderEmail.executeWithOptions({ summary: `email ${kind}` }, [{ kind, to: this.input.customerEmail, order: content }]),
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
    return this.state.priced
      ? { orderId, ...this.state.priced }
      : { orderId, lines: lines.map((line) => ({ ...line, name: null, unitPriceCents: null, lineTotalCents: null })), totalCents: null, currency: null };
  }

  private newOrder() {
    const { orderId, customerId, customerEmail, lines, shippingAddress } = this.input;
    return { orderId, customerId, customerEmail, lines, ...(shippingAddress && { shippingAddress }) };
  }

  private async finish(): Promise<OrderState> {
    await condition(allHandlersFinished);
    return this.state;
  }
}
