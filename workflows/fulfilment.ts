import { ApplicationFailure, CancellationScope, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { InventoryActivities } from '../activities/inventory/contract.js';
import type { EmailKind, EmailSubject } from '../activities/notification/contract.js';
import { ORDER_FAILURE, type OrderActivities, type OrderStatus, type PricedOrder } from '../activities/order/contract.js';
import {
  FULFILMENT_LIMITS,
  fulfilmentStatus,
  isFulfilmentId,
  priceOf,
  remaining,
  returnableLines,
  returnRefusal,
  returnStatus,
  shipmentRefusal,
  unshippedLines,
  type FulfilmentLine,
  type OrderReturn,
  type Shipment,
} from '../activities/order/fulfilment.contract.js';
import { UNSHIPPED_REFUND, type Actor } from '../activities/order/timeline.contract.js';
import type { PaymentActivities } from '../activities/payment/contract.js';
import { INVALID_DATA } from '../common/domain-error.js';
import { isPlainLine } from '../common/text-rules.js';
import { inventoryActivityOptions, orderActivityOptions, paymentActivityOptions } from './activity-options.js';
import {
  deliverShipment,
  receiveReturn,
  requestReturn,
  shipOrder,
  type DeliveryRequest,
  type OrderState,
  type ReturnReceipt,
  type ReturnRequest,
  type ShipRequest,
} from './place-order.contract.js';

const order = proxyActivities<OrderActivities>(orderActivityOptions);
const inventory = proxyActivities<InventoryActivities>(inventoryActivityOptions);
const payment = proxyActivities<PaymentActivities>(paymentActivityOptions);

/** What the desk needs of its saga (workflows/place-order.ts). */
export interface OrderSagaPort {
  readonly orderId: string;
  readonly state: OrderState;
  /** The prices the order was confirmed with. */
  priced(): PricedOrder;
  /** Whether money was authorised for the order (an order placed without a payment method has none). */
  paid(): boolean;
  /** No cancel has been asked for (a cancel and a first shipment exclude each other). */
  uncancelled(): boolean;
  setStatus(status: OrderStatus): void;
  /** Sends in the background; the saga waits for every email before it ends. */
  email(kind: EmailKind, subject: EmailSubject): void;
  /** The capture found the authorisation lapsed: the saga cancels the order. */
  authorisationLapsed(): void;
  /** How long returns are taken once everything is delivered. */
  readonly returnWindowMs: number;
}

/** Who each record names in the order's timeline: staff ship, deliver and receive; the customer asks for a return. */
const staff = (id: string): Actor => ({ kind: 'staff', id });
const customer = (id: string): Actor => ({ kind: 'customer', id });

const refuse = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function refuseOddId(id: string, what: string): void {
  if (!isFulfilmentId(id)) throw refuse(INVALID_DATA, `${what} must be a UUID`);
}

function refusePlainText(fields: Record<string, string>, limits: Record<string, number>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (!isPlainLine(value, limits[name] ?? 200) || value.trim() === '') throw refuse(INVALID_DATA, `${name} must be plain text of at most ${limits[name] ?? 200} characters`);
  }
}

/**
 * Shipments, deliveries and returns: the Updates staff and customers send once an order is
 * confirmed. A validator refuses, before anything is written to history, what the order cannot
 * take; the handlers then run one at a time (`inTurn`), so each records the status that follows
 * the records before it. What an accepted Update claims (units to ship, units to return) counts
 * at once, so that two Updates arriving together cannot both take the same units.
 */
export class FulfilmentDesk {
  private readonly claims: Shipment[] = [];
  private shippingClosedBecause: string | undefined;
  private returnsOpenUntilMs: number | undefined;
  private returnsClosed = false;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly saga: OrderSagaPort) {
    setHandler(shipOrder, (request) => this.ship(request), { validator: (request) => this.refuseShipment(request) });
    setHandler(deliverShipment, (request) => this.deliver(request), { validator: (request) => this.refuseDelivery(request) });
    setHandler(requestReturn, (request) => this.takeReturn(request), { validator: (request) => this.refuseReturn(request) });
    setHandler(receiveReturn, (request) => this.receive(request), { validator: (request) => this.refuseReceipt(request) });
  }

  private get shipments(): Shipment[] {
    return (this.saga.state.shipments ??= []);
  }

  private get returns(): OrderReturn[] {
    return (this.saga.state.returns ??= []);
  }

  /** What the order still has to ship in all: its lines, less the units cancelled as never shipping. */
  private get ordered(): FulfilmentLine[] {
    return remaining(this.saga.state.lines, this.saga.state.cancelledLines ?? []);
  }

  /** The first shipment is recorded (and the payment captured). */
  get shipped(): boolean {
    return this.shipments.length > 0;
  }

  /** A shipment was accepted and is being recorded. */
  get shipping(): boolean {
    return this.claims.length > 0;
  }

  /** Everything the order still has to ship has shipped. */
  get everythingShipped(): boolean {
    return !this.shipping && unshippedLines(this.ordered, this.shipments).length === 0;
  }

  /** Everything ordered was shipped and delivered. */
  get delivered(): boolean {
    return this.shipped && !this.shipping && fulfilmentStatus(this.ordered, this.shipments) === 'DELIVERED';
  }

  /** Every return asked for has been received. */
  get returnsSettled(): boolean {
    return this.returns.every((orderReturn) => orderReturn.receivedAt !== null);
  }

  /** Every delivered unit was asked back: no return can follow. */
  get nothingLeftToReturn(): boolean {
    return returnableLines(this.shipments, this.returns).length === 0;
  }

  /** When the return window closes (epoch ms); undefined until everything is delivered. */
  get returnsOpenUntil(): number | undefined {
    return this.returnsOpenUntilMs;
  }

  /** No more shipments: the order is being cancelled (its authorisation lapses). */
  closeShipping(because: string): void {
    this.shippingClosedBecause = because;
  }

  /**
   * The status a record led to. DELIVERED opens returns here, with the record, so that the answer
   * to the last delivery finds them open.
   */
  private enter(status: OrderStatus): void {
    if (status === 'DELIVERED' && this.returnsOpenUntilMs === undefined) this.openReturns();
    this.saga.setStatus(status);
  }

  private openReturns(): void {
    this.returnsOpenUntilMs = Date.now() + this.saga.returnWindowMs;
    this.saga.state.returnableUntil = new Date(this.returnsOpenUntilMs).toISOString();
  }

  closeReturns(): void {
    this.returnsClosed = true;
  }

  /**
   * One handler's effects at a time, each run to its end even if the workflow is cancelled through
   * Temporal: a capture or refund abandoned half-way would still happen at the provider, unrecorded.
   */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(() => CancellationScope.nonCancellable(work));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private refuseShipment(request: ShipRequest): void {
    refuseOddId(request.shipmentId, 'shipmentId');
    refusePlainText({ carrier: request.carrier, trackingNumber: request.trackingNumber, requestedBy: request.requestedBy }, FULFILMENT_LIMITS);
    if (this.knownShipment(request.shipmentId)) return;
    const { status } = this.saga.state;
    if (status !== 'CONFIRMED' && status !== 'PARTIALLY_SHIPPED') throw refuse(ORDER_FAILURE.notShippable, `Order ${this.saga.orderId} is ${status}: nothing to ship`);
    if (!this.saga.uncancelled()) throw refuse(ORDER_FAILURE.notShippable, `Order ${this.saga.orderId} is being cancelled`);
    if (this.shippingClosedBecause) throw refuse(ORDER_FAILURE.notShippable, `Order ${this.saga.orderId} can no longer ship: ${this.shippingClosedBecause}`);
    const refusal = shipmentRefusal(this.ordered, [...this.shipments, ...this.claims], this.linesToShip(request));
    if (refusal) throw refuse(ORDER_FAILURE.notShippable, `Order ${this.saga.orderId}: ${refusal}`);
  }

  /** The lines asked for, or every unit not shipped or claimed yet. */
  private linesToShip(request: ShipRequest): FulfilmentLine[] {
    return request.lines ?? unshippedLines(this.ordered, [...this.shipments, ...this.claims]);
  }

  private knownShipment(shipmentId: string): boolean {
    return [...this.shipments, ...this.claims].some((shipment) => shipment.shipmentId === shipmentId);
  }

  /** Records a shipment; the first one captures the payment. The order can no longer be cancelled from the moment it is accepted. */
  private async ship(request: ShipRequest): Promise<OrderState> {
    if (this.knownShipment(request.shipmentId)) {
      await condition(() => !this.claims.some((claim) => claim.shipmentId === request.shipmentId));
      return this.saga.state;
    }
    const claim: Shipment = { shipmentId: request.shipmentId, lines: this.linesToShip(request), carrier: request.carrier, trackingNumber: request.trackingNumber, shippedAt: '', deliveredAt: null };
    this.claims.push(claim);
    this.saga.state.cancellable = false;
    try {
      await this.inTurn(async () => {
        const capturedCents = !this.shipped && this.saga.paid() ? await this.capture() : undefined;
        const status = fulfilmentStatus(this.ordered, [...this.shipments, claim]);
        const { shipmentId, lines, carrier, trackingNumber } = claim;
        const { shippedAt } = await order.recordShipment.executeWithOptions({ summary: `record shipment (${carrier} ${trackingNumber})` }, [
          { orderId: this.saga.orderId, shipment: { shipmentId, lines, carrier, trackingNumber }, status, actor: staff(request.requestedBy), ...(capturedCents !== undefined && { capturedCents }) },
        ]);
        this.shipments.push({ ...claim, shippedAt });
        this.saga.setStatus(status);
      });
    } finally {
      this.claims.splice(this.claims.indexOf(claim), 1);
      if (!this.shipped && !this.shipping) this.saga.state.cancellable = this.saga.state.status === 'CONFIRMED';
    }
    this.saga.email('ORDER_SHIPPED', { reference: claim.shipmentId, lines: claim.lines, carrier: claim.carrier, trackingNumber: claim.trackingNumber });
    return this.saga.state;
  }

  /** Money is taken at the first shipment, all of it: a provider captures an authorisation once. Answers what was captured. */
  private async capture(): Promise<number> {
    const { totalCents } = this.saga.priced();
    const captured = await payment.capturePayment.executeWithOptions({ summary: `capture ${totalCents} (minor units)` }, [{ orderId: this.saga.orderId, amountCents: totalCents }]);
    if (captured.ok) return totalCents;
    this.closeShipping('its payment authorisation has lapsed');
    this.saga.authorisationLapsed();
    throw refuse(ORDER_FAILURE.notShippable, `Order ${this.saga.orderId} cannot ship: ${captured.message}; it is being cancelled`);
  }

  /**
   * The fulfilment window closed with units not shipped: no more shipments (one under way still
   * goes out), then what is left is released back to stock, refunded at the confirmed prices, and
   * recorded as never shipping. Money is taken only for what ships.
   */
  async cancelUnshipped(): Promise<void> {
    this.closeShipping('its fulfilment window has closed');
    await condition(() => !this.shipping);
    const lines = unshippedLines(this.ordered, this.shipments);
    if (lines.length === 0) return;
    const refundCents = await this.inTurn(async () => {
      const { orderId } = this.saga;
      await inventory.releaseUnshipped.executeWithOptions({ summary: `release ${lines.length} unshipped line(s)` }, [{ orderId, lines }]);
      const refund = this.saga.paid() ? priceOf(this.saga.priced(), lines) : 0;
      if (refund > 0) {
        await payment.refundPayment.executeWithOptions({ summary: `refund unshipped ${refund} (minor units)` }, [{ orderId, refundId: UNSHIPPED_REFUND, amountCents: refund, reason: 'never shipped' }]);
      }
      const status = fulfilmentStatus(remaining(this.ordered, lines), this.shipments);
      await order.recordUnshippedCancelled.executeWithOptions({ summary: `record ${lines.length} unshipped line(s) cancelled` }, [{ orderId, lines, refundCents: refund, status }]);
      this.saga.state.cancelledLines = lines;
      this.enter(status);
      return refund;
    });
    if (refundCents > 0) this.saga.email('REFUND_ISSUED', { reference: UNSHIPPED_REFUND, lines, amountCents: refundCents });
  }

  private refuseDelivery(request: DeliveryRequest): void {
    refusePlainText({ requestedBy: request.requestedBy }, {});
    if (!this.shipments.some((shipment) => shipment.shipmentId === request.shipmentId)) {
      throw refuse(ORDER_FAILURE.unknownShipment, `Order ${this.saga.orderId} has no shipment ${request.shipmentId}`);
    }
  }

  private async deliver(request: DeliveryRequest): Promise<OrderState> {
    const delivered = await this.inTurn(async () => {
      const shipment = this.shipments.find((candidate) => candidate.shipmentId === request.shipmentId)!;
      if (shipment.deliveredAt !== null) return undefined;
      const status = fulfilmentStatus(this.ordered, this.shipments.map((candidate) => (candidate === shipment ? { ...candidate, deliveredAt: 'now' } : candidate)));
      const { deliveredAt } = await order.recordDelivery.executeWithOptions({ summary: `record delivery of ${shipment.trackingNumber}` }, [
        { orderId: this.saga.orderId, shipmentId: shipment.shipmentId, status, actor: staff(request.requestedBy) },
      ]);
      shipment.deliveredAt = deliveredAt;
      this.enter(status);
      return shipment;
    });
    if (delivered) this.saga.email('ORDER_DELIVERED', { reference: delivered.shipmentId, lines: delivered.lines, carrier: delivered.carrier, trackingNumber: delivered.trackingNumber });
    return this.saga.state;
  }

  private refuseReturn(request: ReturnRequest): void {
    refuseOddId(request.returnId, 'returnId');
    refusePlainText({ reason: request.reason, requestedBy: request.requestedBy }, { reason: FULFILMENT_LIMITS.returnReason });
    if (this.returns.some((orderReturn) => orderReturn.returnId === request.returnId)) return;
    if (this.returnsOpenUntilMs === undefined) throw refuse(ORDER_FAILURE.notReturnable, `Order ${this.saga.orderId} has not been delivered in full yet`);
    if (this.returnsClosed || Date.now() >= this.returnsOpenUntilMs) throw refuse(ORDER_FAILURE.notReturnable, `The return window of order ${this.saga.orderId} has closed`);
    const refusal = returnRefusal(this.shipments, this.returns, request.lines);
    if (refusal) throw refuse(ORDER_FAILURE.notReturnable, `Order ${this.saga.orderId}: ${refusal}`);
  }

  /** A return is asked for: its units count as claimed at once; the record follows in turn. */
  private async takeReturn(request: ReturnRequest): Promise<OrderState> {
    if (this.returns.some((orderReturn) => orderReturn.returnId === request.returnId)) return this.saga.state;
    const orderReturn: OrderReturn = { returnId: request.returnId, lines: request.lines, reason: request.reason, requestedAt: '', receivedAt: null, restocked: null, refundCents: null };
    this.returns.push(orderReturn);
    try {
      await this.inTurn(async () => {
        const { requestedAt } = await order.recordReturn.executeWithOptions({ summary: 'record return request' }, [
          { orderId: this.saga.orderId, returnId: request.returnId, lines: request.lines, reason: request.reason, actor: customer(request.requestedBy) },
        ]);
        orderReturn.requestedAt = requestedAt;
      });
    } catch (error) {
      // Not recorded: its units are free again, and the run does not wait for its receipt.
      this.returns.splice(this.returns.indexOf(orderReturn), 1);
      throw error;
    }
    return this.saga.state;
  }

  private refuseReceipt(request: ReturnReceipt): void {
    refusePlainText({ requestedBy: request.requestedBy }, {});
    if (!this.returns.some((orderReturn) => orderReturn.returnId === request.returnId)) {
      throw refuse(ORDER_FAILURE.unknownReturn, `Order ${this.saga.orderId} has no return ${request.returnId}`);
    }
  }

  /** Staff received a return: restocked or not, then refunded for what came back, then recorded. */
  private async receive(request: ReturnReceipt): Promise<OrderState> {
    const received = await this.inTurn(async () => {
      const orderReturn = this.returns.find((candidate) => candidate.returnId === request.returnId)!;
      if (orderReturn.receivedAt !== null) return undefined;
      const { orderId } = this.saga;
      const { returnId, lines } = orderReturn;
      if (request.restock) await inventory.restockReturn.executeWithOptions({ summary: `restock return (${lines.length} line(s))` }, [{ orderId, returnId, lines }]);
      const refundCents = this.saga.paid() ? priceOf(this.saga.priced(), lines) : 0;
      if (refundCents > 0) {
        await payment.refundPayment.executeWithOptions({ summary: `refund ${refundCents} (minor units)` }, [{ orderId, refundId: returnId, amountCents: refundCents, reason: orderReturn.reason }]);
      }
      const status = returnStatus(this.shipments, this.returns.map((candidate) => (candidate === orderReturn ? { ...candidate, receivedAt: 'now' } : candidate)));
      const { receivedAt } = await order.recordReturnReceipt.executeWithOptions({ summary: 'record return received' }, [
        { orderId, returnId, restocked: request.restock, refundCents, status, actor: staff(request.requestedBy) },
      ]);
      Object.assign(orderReturn, { receivedAt, restocked: request.restock, refundCents });
      this.saga.setStatus(status);
      return orderReturn;
    });
    if (received) {
      this.saga.email('RETURN_RECEIVED', { reference: received.returnId, lines: received.lines });
      if (received.refundCents) this.saga.email('REFUND_ISSUED', { reference: received.returnId, amountCents: received.refundCents });
    }
    return this.saga.state;
  }
}
