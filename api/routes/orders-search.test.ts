import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fastApp, type FastApp } from '../../test/support/fast-app.js';
import { order } from '../../test/support/memory-reads.js';

// GET /orders as a search, on the real HTTP app over the in-memory read port: who may filter by
// what, and what the API refuses before any read.
let app: FastApp;

const A1 = '00000000-0000-4000-8000-0000000000a1';
const A2 = '00000000-0000-4000-8000-0000000000a2';
const B1 = '00000000-0000-4000-8000-0000000000b1';
const B2 = '00000000-0000-4000-8000-0000000000b2';
const line = (sku: string) => ({ sku, name: sku, quantity: 1, unitPriceCents: 100, lineTotalCents: 100 });

beforeEach(() => {
  app = fastApp();
  // Oldest first, as the store keeps them.
  app.store.orders.push(
    order(A1, 'alice', { lines: [line('LAMP-1')], createdAt: '2026-11-01T10:00:00.000Z' }),
    order(B1, 'bob', { lines: [line('LAMP-1'), line('MUG-2')], createdAt: '2026-11-15T10:00:00.000Z', status: 'DELIVERED' }),
    order(A2, 'alice', { lines: [line('MUG-2')], createdAt: '2026-12-01T00:00:00.000Z' }),
    order(B2, 'bob', { lines: [line('LAMP-1')], createdAt: '2026-12-02T10:00:00.000Z' }),
  );
});

const as = (sub: string, role: 'customer' | 'operator' | 'admin') => app.token(sub, [role]);
const ids = (body: { items: Array<{ orderId: string }> }) => body.items.map((o) => o.orderId);

describe('GET /orders: search', () => {
  it('lets staff search every order by customer, SKU, status and time, newest first', async () => {
    for (const role of ['operator', 'admin'] as const) {
      const token = await as('staff-1', role);
      expect(ids((await app.request('GET', '/orders?customer=bob', { token })).body)).toEqual([B2, B1]);
      expect(ids((await app.request('GET', '/orders?sku=LAMP-1', { token })).body)).toEqual([B2, B1, A1]);
      expect(ids((await app.request('GET', '/orders?sku=LAMP-1&status=CONFIRMED', { token })).body)).toEqual([B2, A1]);
      const window = 'from=2026-11-15T10:00:00Z&to=2026-12-02T10:00:00%2B00:00';
      expect(ids((await app.request('GET', `/orders?${window}`, { token })).body)).toEqual([A2, B1]);
      expect(ids((await app.request('GET', `/orders?customer=bob&sku=MUG-2&${window}`, { token })).body)).toEqual([B1]);
    }
  });

  it('passes the read port exactly the filters given, and a customer’s own ID as theirs', async () => {
    const list = vi.spyOn(app.readers.orders, 'list');
    await app.request('GET', '/orders?customer=bob&sku=MUG-2&status=DELIVERED&from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&limit=5', { token: await as('op', 'operator') });
    expect(list).toHaveBeenLastCalledWith({ limit: 5, customerId: 'bob', sku: 'MUG-2', status: 'DELIVERED', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    await app.request('GET', '/orders?sku=MUG-2', { token: await as('alice', 'customer') });
    expect(list).toHaveBeenLastCalledWith({ limit: 20, customerId: 'alice', sku: 'MUG-2' });
    await app.request('GET', '/orders', { token: await as('op', 'operator') });
    expect(list).toHaveBeenLastCalledWith({ limit: 20 });
  });

  it('shows a customer only their own orders, whatever else they filter by', async () => {
    const token = await as('alice', 'customer');
    expect(ids((await app.request('GET', '/orders', { token })).body)).toEqual([A2, A1]);
    expect(ids((await app.request('GET', '/orders?sku=LAMP-1', { token })).body)).toEqual([A1]);
    expect(ids((await app.request('GET', '/orders?sku=MUG-2&status=CONFIRMED&from=2026-11-20T00:00:00Z&to=2026-12-31T00:00:00Z', { token })).body)).toEqual([A2]);
    expect(ids((await app.request('GET', '/orders?status=DELIVERED', { token })).body)).toEqual([]);
  });

  it('answers a customer who names a customer 403 FORBIDDEN, their own ID included, and reads nothing', async () => {
    const list = vi.spyOn(app.readers.orders, 'list');
    const token = await as('alice', 'customer');
    for (const customer of ['bob', 'alice']) {
      const response = await app.request('GET', `/orders?customer=${customer}`, { token });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: { code: 'FORBIDDEN', message: expect.stringContaining('operators and admins') as string, details: [{ path: 'customer', message: 'staff only' }] } });
    }
    expect(list).not.toHaveBeenCalled();
  });

  it.each([
    ['from after to', 'from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', 'from'],
    ['from equal to to', 'from=2026-12-01T00:00:00Z&to=2026-12-01T00:00:00.000Z', 'from'],
    ['from equal to to, in another offset', 'from=2026-12-01T01:00:00%2B01:00&to=2026-12-01T00:00:00Z', 'from'],
    ['a date without a time', 'from=2026-12-01', 'from'],
    ['a time without an offset', 'to=2026-12-01T00:00:00', 'to'],
    ['not a date', 'from=yesterday', 'from'],
    ['a month that does not exist', 'to=2026-13-01T00:00:00Z', 'to'],
    ['an unknown status', 'status=LOST', 'status'],
    ['a status in lower case', 'status=confirmed', 'status'],
    ['a SKU in lower case', 'sku=lamp-1', 'sku'],
    ['a SKU too short', 'sku=L', 'sku'],
    ['a SKU too long', `sku=${'L'.repeat(65)}`, 'sku'],
    ['a SKU with a space', 'sku=LAMP%201', 'sku'],
    ['a blank customer', 'customer=%20%20', 'customer'],
    ['a customer with a control character', 'customer=bo%00b', 'customer'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit past 100', 'limit=101', 'limit'],
    ['a cursor not from this API', 'cursor=%24%24', 'cursor'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the parameter, and reads nothing', async (_case, query, path) => {
    const list = vi.spyOn(app.readers.orders, 'list');
    const response = await app.request('GET', `/orders?${query}`, { token: await as('op', 'operator') });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
    expect(list).not.toHaveBeenCalled();
  });

  it('pages a filtered search with the cursor it hands out', async () => {
    const token = await as('op', 'operator');
    const first = await app.request('GET', '/orders?sku=LAMP-1&limit=2', { token });
    expect(ids(first.body)).toEqual([B2, B1]);
    const second = await app.request('GET', `/orders?sku=LAMP-1&limit=2&cursor=${first.body.nextCursor as string}`, { token });
    expect(second.body).toMatchObject({ nextCursor: null });
    expect(ids(second.body)).toEqual([A1]);
  });
});
