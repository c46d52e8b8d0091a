import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../dev/stack.js';
import { launchChromium } from '../support/browser.js';
import { createStockedProduct } from '../support/catalog.js';
import { serviceDatabases } from '../support/databases.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { TestStack } from '../support/stack.js';
import { read } from '../support/typed-api.js';

// What an operator and an API user see, in a real browser: the Temporal Web UI telling one
// order's story (found by its OrderStatus, input decoded, every step summarised), and the API
// reference rendered with no request leaving the machine.
const smtp = new SmtpSink();
const dbs = serviceDatabases();
let stack: TestStack;
let browser: Browser;
let page: Page;
// UPDATE_SCREENSHOTS=1 refreshes the picture docs/operating.md shows.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.join(ROOT, 'docs', 'images') : path.join(ROOT, '.data', 'test', 'screenshots');

beforeAll(async () => {
  await smtp.start();
  stack = await TestStack.start({ name: 'web-ui', smtpUrl: smtp.url, webUi: true, env: { ORDER_CANCELLATION_WINDOW: '1h' } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await smtp.stop();
  await dbs.destroy();
});

describe('the Temporal Web UI', () => {
  it("finds an order by OrderStatus and shows its input decoded and each step's summary", async () => {
    const sku = await createStockedProduct(dbs, { priceCents: 1250, stock: 10, name: 'Logo mug' });
    const token = await stack.token('ui-customer', ['customer'], 'ui-customer@example.test');
    const placed = await read(
      stack.api(token).orders.$post({
        json: {
          lines: [{ sku, quantity: 2 }],
          shippingAddress: { name: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
          payment: { method: 'pm_card_visa' },
        },
        header: { prefer: 'wait=30' },
      }),
    );
    expect(placed.body.status).toBe('CONFIRMED');
    const workflowId = `order-${placed.body.orderId}`;

    await page.goto(`${stack.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('OrderStatus="CONFIRMED"')}`);
    await page.getByRole('link', { name: workflowId }).first().click();
    // Decoded by the API's codec: the email and the address, not ciphertext.
    await page.getByText('"ui-customer@example.test"').first().waitFor({ timeout: 30_000 });
    await page.getByText('"Ada Lovelace"').first().waitFor();
    // The last: the timer to the first shipment, which an authorisation bounds (captureDeadline).
    const summaries = ['record order (1 line)', 'price 1 line', 'reserve 1 line', 'authorise 2500 EUR (minor units)', 'confirm 2500 EUR (minor units)', 'commit reservation', 'email ORDER_CONFIRMED', 'until the first shipment, by'];
    for (const summary of summaries) {
      await page.getByText(summary).first().waitFor();
    }
    expect(await page.content()).not.toContain('binary/encrypted');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'web-ui-order.png') });
  });
});

describe('the API reference at /docs', () => {
  it('renders every resource with no request leaving the machine', async () => {
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${stack.apiUrl}/docs`);
    await page.getByText('Orderflow API').first().waitFor();
    for (const tag of ['products', 'inventory', 'orders']) await page.getByText(tag, { exact: true }).first().waitFor();
    await page.getByText('orders', { exact: true }).first().click();
    await page.getByText('Place an order (starts the PlaceOrder workflow)').first().waitFor();
    const external = requested.filter((url) => !url.startsWith(stack.apiUrl) && !url.startsWith('data:') && !url.startsWith('blob:'));
    expect(external).toEqual([]);
    expect(requested).toContain(`${stack.apiUrl}/openapi.json`);
  });
});
