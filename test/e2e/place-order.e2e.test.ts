import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStockedProduct } from '../support/catalog.js';
import { serviceDatabases } from '../support/databases.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { read } from '../support/typed-api.js';

describe('an order through the whole system (API, four worker processes, dev server, SMTP)', () => {
  const smtp = new SmtpSink();
  const dbs = serviceDatabases();
  let stack: TestStack;

  beforeAll(async () => {
    await smtp.start();
    stack = await TestStack.start({ name: 'place-order', smtpUrl: smtp.url });
  });

  afterAll(async () => {
    await stack?.stop();
    await smtp.stop();
    await dbs.destroy();
  });

  it('goes in over HTTP and comes out CONFIRMED, with stock moved and the email delivered', async () => {
    const widget = await createStockedProduct(dbs, { priceCents: 1250, stock: 10, name: 'Widget' });
    const gadget = await createStockedProduct(dbs, { priceCents: 399, stock: 5, name: 'Gadget' });
    const token = await stack.token('alice', ['customer'], 'alice@example.test');

    const body = { lines: [{ sku: widget, quantity: 2 }, { sku: gadget, quantity: 1 }] };
    const headers = { 'idempotency-key': `skeleton-${widget}` };
    const api = stack.api(token);
    const placed = await read(api.orders.$post({ json: body, header: headers }));
    expect(placed.status).toBe(202);
    expect(placed.body.status).toBe('PENDING');
    const { orderId } = placed.body;
    expect(placed.headers.get('location')).toBe(`/orders/${orderId}`);

    // The same key and body again, waiting for the decision: the same order, now decided.
    const decided = await read(api.orders.$post({ json: body, header: { ...headers, prefer: 'wait=30' } }));
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ orderId, status: 'CONFIRMED' });

    const { status, body: order } = await read(api.orders[':orderId'].$get({ param: { orderId } }));
    expect(status).toBe(200);
    expect(order).toMatchObject({
      orderId,
      customerId: 'alice',
      status: 'CONFIRMED',
      totalCents: 2 * 1250 + 399,
      currency: 'EUR',
      lines: expect.arrayContaining([
        { sku: widget, name: 'Widget', quantity: 2, unitPriceCents: 1250, lineTotalCents: 2500 },
        { sku: gadget, name: 'Gadget', quantity: 1, unitPriceCents: 399, lineTotalCents: 399 },
      ]),
    });

    const stock = await read(stack.api().inventory[':sku'].$get({ param: { sku: widget } }));
    expect(stock.body).toEqual({ sku: widget, onHand: 8, reserved: 0, available: 8, inStock: true });

    await smtp.waitFor(() => smtp.forOrder(orderId).length > 0);
    const [mail, ...duplicates] = smtp.forOrder(orderId);
    expect(duplicates).toEqual([]);
    expect(mail!.envelopeTo).toEqual(['alice@example.test']);
    expect(mail!.parsed.subject).toContain(orderId);
    expect(mail!.parsed.text).toContain(`Widget (${widget})`);
    expect(mail!.parsed.text).toContain(`Gadget (${gadget})`);
    expect(mail!.parsed.html).toContain('Widget');
  });

  it('rejects an order it cannot fill, and says why', async () => {
    const scarce = await createStockedProduct(dbs, { stock: 1 });
    const token = await stack.token('bob');
    const placed = await read(stack.api(token).orders.$post({ header: { prefer: 'wait=30' }, json: { lines: [{ sku: scarce, quantity: 2 }] } }));
    expect(placed.status).toBe(200);
    expect(placed.body).toMatchObject({ status: 'REJECTED', reason: 'OUT_OF_STOCK' });
    const stock = await read(stack.api().inventory[':sku'].$get({ param: { sku: scarce } }));
    expect(stock.body).toMatchObject({ onHand: 1, reserved: 0 });
  });
});
