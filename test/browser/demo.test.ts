import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { localDynamoDbClient } from '../../local/dynamodb-local';
import { KeyPrefix, TableSchema } from '../../lambda/shared/table';
import { ledgerFigures, soundLedger } from '../helpers/ledger';
import { killAllLocalModes, type LocalModeProcess, ROOT, startLocalMode, waitFor } from '../helpers/local-mode-process';
import { readTable } from '../helpers/table-contents';
import { launchChromium } from './chromium';

// The checkout page of local mode (GET /demo) in a real Chromium, against a real local mode
// process: each case must end with one charge for its order, and the page must show what happened.
jest.setTimeout(60_000);

/** Short, so a crashed run's lock lapses in a few seconds (the lease is this plus a second). */
const FUNCTION_TIMEOUT_SECONDS = 3;
// The docs' screenshots are rewritten on demand (UPDATE_SCREENSHOTS=1 npx jest test/browser), so a
// plain `npm test` leaves the working tree as it was; otherwise they go to a scratch folder.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'images') : join(tmpdir(), 'idempotent-payments-demo-screenshots');

describe('the checkout demo in a browser', () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  const tableName = `demo-${randomUUID()}`;
  let client: DynamoDBClient;
  let localMode: LocalModeProcess;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    client = localDynamoDbClient(endpoint);
    localMode = startLocalMode({
      DYNAMODB_ENDPOINT: endpoint,
      TABLE_NAME: tableName,
      LOCAL_STATE_FILE: `/tmp/local-mode-${tableName}.json`,
      FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
      RECOVERY_INTERVAL_SECONDS: '1',
      // Long enough for a double click and a reload to catch the payment running.
      PROCESSOR_LATENCY_MS: '500',
    });
    [url, browser] = await Promise.all([localMode.url(), launchChromium()]);
  });
  beforeEach(async () => {
    // A fresh context per case: nothing the last one kept in sessionStorage carries over.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    await browser?.close();
    await killAllLocalModes();
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  /** Opens /demo: the server creates an order and its key; the page shows both and puts the order in its address. */
  async function openCheckout(): Promise<{ page: Page; orderId: string; key: string }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/demo`);
    await waitFor('the order', async () => /^ord_[0-9a-f]{12}$/.test((await page.locator('#order-id').textContent()) ?? ''), PAGE_WAIT_MS);
    expect(errors).toEqual([]);
    const orderId = (await page.locator('#order-id').textContent())!;
    expect(new URL(page.url()).searchParams.get('order')).toBe(orderId);
    return { page, orderId, key: (await page.locator('#order-key').textContent())! };
  }

  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
  const timeline = (page: Page) => page.locator('#timeline').innerText();
  const PAGE_WAIT_MS = 10_000;

  async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return waitFor(`status ${pattern}`, async () => {
      const text = (await page.locator('#status').textContent()) ?? '';
      return pattern.test(text) && (await button(page, 'Pay').getAttribute('aria-disabled')) === 'false' ? text : undefined;
    }, timeoutMs);
  }

  /** Waits until the timeline shows every pattern (the server's lines arrive with the page's next poll). */
  async function expectTimeline(page: Page, ...patterns: RegExp[]): Promise<string> {
    try {
      return await waitFor('the timeline', async () => {
        const text = await timeline(page);
        return patterns.every((pattern) => pattern.test(text)) ? text : undefined;
      }, PAGE_WAIT_MS);
    } catch {
      const text = await timeline(page);
      // The failing pattern, against the whole timeline as the page shows it.
      for (const pattern of patterns) expect(text).toMatch(pattern);
      return text;
    }
  }

  /**
   * The charges the processor recorded for an order, read from the table, not from the page: every
   * record whose payment (or stored request) names the order, and the charge of its execution id.
   */
  /** The order a record belongs to: its payment's metadata, or (still IN_PROGRESS) its stored request's. */
  function orderOf(record: Record<string, any>): string | undefined {
    if (record.payment) return record.payment.metadata?.order_id;
    try {
      return JSON.parse(record.request?.body ?? 'null')?.metadata?.order_id;
    } catch {
      return undefined;
    }
  }

  /** What the table holds for an order, read from DynamoDB, not from the page: its records' keys, and their charges. */
  async function orderInTable(orderId: string): Promise<{ keys: string[]; charges: number }> {
    const { records, charges } = await readTable(client, tableName);
    const ofOrder = records.filter((record) => orderOf(record) === orderId);
    const chargeKeys = new Set(ofOrder.map((record) => `${KeyPrefix.Charge}${record.executionId}`));
    return {
      keys: ofOrder.map((record) => record.idempotencyKey as string),
      charges: charges.filter((charge) => chargeKeys.has(charge[TableSchema.partitionKey])).length,
    };
  }

  /**
   * One charge in the table for the order, made with the key the server gave the order; the page
   * says 1; and the whole table is sound: per order, one completed record, one payment, one charge,
   * and no charge without its payment.
   */
  async function expectOneCharge(page: Page, orderId: string): Promise<void> {
    const key = (await page.locator('#order-key').textContent())!;
    expect(await orderInTable(orderId)).toEqual({ keys: [key], charges: 1 });
    await waitFor('the page to count one charge', async () => (await page.locator('#charge-count').textContent()) === '1', PAGE_WAIT_MS);
    const contents = await readTable(client, tableName);
    const orders = new Set(contents.records.map(orderOf)).size;
    expect(ledgerFigures(contents)).toEqual(soundLedger(orders));
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `demo-${name}.png`), fullPage: true });
  }

  test('Pay, from the keyboard: one request, one charge, IN_PROGRESS then COMPLETED; the same key with another amount is then a 422', async () => {
    const { page, orderId, key } = await openCheckout();
    const anotherAmount = button(page, 'Same key, another amount');
    expect(await anotherAmount.getAttribute('aria-disabled')).toBe('true');
    await button(page, 'Pay').focus();
    await page.keyboard.press('Enter');

    await waitForStatus(page, /^Paid: pay_[0-9a-f]{32}/);
    await expectOneCharge(page, orderId);
    await expectTimeline(
      page,
      new RegExp(`Request #1 arrived: POST /payments with key ${key.slice(0, 8)}\\.`),
      /Record for key \w+ created: IN_PROGRESS/,
      /card charged, ch_\w+/,
      /Record COMPLETED: the answer 201/,
      /Answered request #1: 201 Created/,
      /Pay, attempt 1: heard 201 Created/,
    );
    expect(await timeline(page)).not.toMatch(/Request #2/);

    await waitFor('the other amount to be offered', async () => (await anotherAmount.getAttribute('aria-disabled')) === 'false', PAGE_WAIT_MS);
    await anotherAmount.focus();
    await page.keyboard.press('Enter');
    await waitForStatus(page, /^Refused with 422, nothing charged/);
    await expectTimeline(page, /Answered request #2: 422/, /Another amount: refused with 422/);
    await expectOneCharge(page, orderId);
  });

  test('a double click sends two requests at once: one runs, the other gets 409 with Retry-After, then the replay', async () => {
    const { page, orderId } = await openCheckout();
    await button(page, 'Double-click Pay').click();

    await waitForStatus(page, /^Paid:/);
    await expectOneCharge(page, orderId);
    await expectTimeline(
      page,
      /Click 1, attempt 1: sent/,
      /Click 2, attempt 1: sent/,
      /Answered request #\d: 409 Conflict, Retry-After: \d+ s/,
      /Answered request #\d: 201 Created/,
      /Answered request #\d: 201, replayed/,
      /Both clicks got the same payment, pay_\w+: one payment, one charge\./,
    );
    await screenshot(page, 'double-click');
  });

  test('a reload while paying keeps the order and its key; the page asks again with it and gets the stored answer', async () => {
    const { page, orderId, key } = await openCheckout();
    const reloaded = page.waitForEvent('load');
    await button(page, 'Reload while paying').click();
    await reloaded;

    await waitForStatus(page, /^Paid:/);
    await expectOneCharge(page, orderId);
    expect(new URL(page.url()).searchParams.get('order')).toBe(orderId);
    expect(await page.locator('#order-key').textContent()).toBe(key);
    await expectTimeline(
      page,
      /Before the reload, attempt 1: sent/,
      new RegExp(`The page reloaded, and got order ${orderId} back from the server with the same key, ${key.slice(0, 8)}\\.`),
      /After the reload, attempt 1: sent/,
      /Answered request #1: 201 Created/,
      /After the reload, attempt \d: heard 201, replayed/,
    );
  });

  test('a lost answer: the server charges and answers, the browser hears nothing, retries with the same key and gets the replay', async () => {
    const { page, orderId } = await openCheckout();
    await button(page, 'Lose the answer').click();

    await waitForStatus(page, /^Paid:/);
    await expectOneCharge(page, orderId);
    await expectTimeline(
      page,
      /Switch armed: the next successful answer/,
      /Answered request #1: 201 Created/,
      /The answer to request #1 was lost on the way/,
      /Pay, attempt 1: heard nothing\. The connection broke before the answer arrived/,
      /Pay, attempt 2: sent/,
      /Answered request #2: 201, replayed/,
      /Pay, attempt 2: heard 201, replayed/,
    );
    await screenshot(page, 'lost-answer');
  });

  test('a function that crashes after the charge: its lock lapses, then a takeover or the recovery worker finishes it with the same charge', async () => {
    const { page, orderId } = await openCheckout();
    await button(page, 'Crash the function').click();

    await waitForStatus(page, /^Paid:/, 30_000);
    await expectOneCharge(page, orderId);
    const text = await expectTimeline(
      page,
      /card charged, ch_\w+/,
      /The function stopped dead right after the charge/,
      /Answered request #1: 502 from the gateway/,
      /Lease lapsed on key \w+, still IN_PROGRESS/,
      /Takeover \(claim #2\)|Recovery worker: key \w+ is IN_PROGRESS/,
      /The processor answered with the charge it already had for execution id \w+: ch_\w+, again/,
      /Record COMPLETED: the answer 201/,
    );
    // The charge given back is the one made before the crash.
    const charged = /card charged, (ch_\w+)/.exec(text)![1];
    expect(text).toMatch(new RegExp(`already had for execution id \\w+: ${charged}, again`));
    await screenshot(page, 'crash');
  });

  test('a crash, then the phone goes offline: the recovery worker finishes the payment with its charge, and the reopened order shows it paid once', async () => {
    const { page, orderId } = await openCheckout();
    // The first request reaches the server; every later one dies in the browser, as with no network.
    let sent = 0;
    await page.route(`${url}/payments`, (route) => (sent++ === 0 ? route.continue() : route.abort('internetdisconnected')));
    await button(page, 'Crash the function').click();
    await expectTimeline(page, /The function stopped dead right after the charge/);
    await waitFor('the recovery worker', async () => (await readTable(client, tableName)).records.some((r) => orderOf(r) === orderId && r.status === 'COMPLETED'), 20_000);
    await page.close();

    const reopened = await context.newPage();
    await reopened.goto(`${url}/demo?order=${orderId}`);
    await waitForStatus(reopened, /^Paid: pay_/);
    await expectOneCharge(reopened, orderId);
    const text = await expectTimeline(
      reopened,
      /card charged, ch_\w+/,
      /Answered request #1: 502 from the gateway/,
      /Recovery worker: key \w+ is IN_PROGRESS with its lease lapsed and nobody finishing it/,
      /The processor answered with the charge it already had for execution id \w+: ch_\w+, again/,
      /Record COMPLETED: the answer 201/,
      /Recovery worker: finished with 201/,
    );
    expect(text).not.toMatch(/Request #2/);
    expect(text).toMatch(new RegExp(`already had for execution id \\w+: ${/card charged, (ch_\w+)/.exec(text)![1]}, again`));
  });

  test('a new order gets a new key from the server, and its own single charge', async () => {
    const first = await openCheckout();
    await button(first.page, 'Pay').click();
    await waitForStatus(first.page, /^Paid:/);
    await expectOneCharge(first.page, first.orderId);

    await button(first.page, 'New order').click();
    await waitFor('the new order', async () => {
      const id = await first.page.locator('#order-id').textContent();
      return id !== first.orderId && /^ord_/.test(id ?? '');
    }, PAGE_WAIT_MS);
    const orderId = (await first.page.locator('#order-id').textContent())!;
    const key = (await first.page.locator('#order-key').textContent())!;
    expect(key).not.toBe(first.key);
    await waitForStatus(first.page, /^Not paid yet\./);

    await button(first.page, 'Pay').click();
    await waitForStatus(first.page, /^Paid:/);
    await expectTimeline(first.page, new RegExp(`New order ${orderId}: the server made a new key for it, ${key.slice(0, 8)}\\.`), /Answered request #1: 201 Created/);
    await expectOneCharge(first.page, orderId);
    expect(await orderInTable(first.orderId)).toEqual({ keys: [first.key], charges: 1 });
  });
});
