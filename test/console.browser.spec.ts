import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { JobName } from '../src/redemptions/redemption.contract.js';
import { artifact, launchChromium, listen } from './browser.js';
import { jobsFinished, startApp, TOKEN, VIEWER_TOKEN, type TestApp } from './helpers.js';

const NOW = '2026-12-02T10:00:00Z';
const TODAY = '2026-12-02';
/** Write controls of the console: none may be shown to a viewer. */
const WRITES = /^(Create coupon|Save changes|Save repeat counts|Roll back.*|Activate|Deactivate)$/;

/** Polls `read` until it returns `expected` (deep equality), for at most 10 s. */
async function until<T>(read: () => Promise<T>, expected: T): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(last).toEqual(expected);
}

describe('admin console in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startApp({}, NOW);
    base = await listen(t);
    for (const id of ['alice', 'bob']) {
      await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
    }
    await t
      .post('/coupons', { code: 'OTHER5', discountPercentage: 5, expiresAt: '2099-12-31' })
      .expect(201);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the page and its files with no token, under the security headers', async () => {
    const server = t.app.getHttpServer();
    const page = await request(server).get('/console').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.text).toContain('<html lang="en">');
    expect(page.text).not.toMatch(/<script>|<script\s+type="module">\s*\S/); // nothing inline
    await request(server)
      .get('/console/js/main.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await request(server).get('/console/vendor/uPlot.iife.min.js').expect(200);
    await request(server).get('/console/no-such-file.js').expect(404);
  });

  it('is not served by a worker process', async () => {
    const worker = await startApp({ role: 'worker' }, NOW);
    try {
      await request(worker.app.getHttpServer()).get('/console').expect(404);
    } finally {
      await worker.close();
    }
  });

  /** A fresh tab; every request, page error and console error it has is recorded. */
  async function open(): Promise<{ context: BrowserContext; page: Page; seen: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const seen: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).hostname !== '127.0.0.1') seen.push(`outside request: ${r.url()}`);
    });
    page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A refused request is logged by the browser itself; anything else is the page's fault.
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
        seen.push(`console: ${message.text()}`);
      }
    });
    await page.goto(`${base}/console`);
    return { context, page, seen };
  }

  async function signIn(page: Page, token: string) {
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Coupons', level: 1 }).waitFor();
  }

  /** The cells of the daily table's row for `day`: accepted, rejected, rolled back. */
  const dayRow = (page: Page, day: string) =>
    page.locator('#daily-table tbody tr', { has: page.locator(`th:text-is("${day}")`) });
  const dayCounts = (page: Page, day = TODAY) => dayRow(page, day).locator('td').allTextContents();

  it('lets the admin create a coupon, set limits, watch queued redemptions and roll one back', async () => {
    const { context, page, seen } = await open();
    try {
      await page.getByLabel('Access token').fill('not-the-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('token was not accepted (401)').waitFor();
      await signIn(page, TOKEN);
      expect(await context.cookies()).toEqual([]);
      expect(page.url()).not.toContain(TOKEN);

      // The API's validation message goes next to the field it names.
      const create = page.getByRole('form', { name: 'New coupon' });
      await create.getByLabel('Code').fill('console10');
      await create.getByLabel('Discount (%)').fill('150');
      await create.getByLabel('Expires').fill('2099-12-31');
      await create.getByRole('button', { name: 'Create coupon' }).click();
      const discountError = page.locator('#create-discountPercentage-error');
      await discountError.getByText(/^discountPercentage must be/).waitFor();
      expect(await create.getByLabel('Discount (%)').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('#create-code-error').isHidden()).toBe(true);

      await create.getByLabel('Discount (%)').fill('10');
      await create.getByRole('button', { name: 'Create coupon' }).click();
      await page.getByRole('heading', { name: 'Coupon CONSOLE10', level: 1 }).waitFor();
      await page.getByRole('status').getByText('Coupon CONSOLE10 created').waitFor();

      const details = page.locator('#details-body');
      const edit = page.getByRole('form', { name: 'Edit coupon' });
      await edit.getByLabel('Description').fill('Ten percent, console test');
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await details.getByText('Ten percent, console test').waitFor();
      await page.getByRole('button', { name: 'Deactivate' }).click();
      await details.locator('.badge').getByText('inactive', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Activate' }).click();
      await details.locator('.badge').getByText('active', { exact: true }).waitFor();

      const counts = page.getByRole('form', { name: 'Change repeat counts' });
      await counts.getByLabel('All users together').fill('10');
      await counts.getByLabel('One user a day').fill('2');
      await counts.getByRole('button', { name: 'Save repeat counts' }).click();
      await page.getByRole('status').getByText('Repeat counts of CONSOLE10 saved').waitFor();
      await page.getByText('0 used, 0 held, 10 remaining of 10').waitFor();
      await page.getByText('per user: unlimited in all, 2 a day, unlimited a week').waitFor();
      await until(() => dayCounts(page), ['0', '0', '0']);

      // Orders come through the queue, as an order system sends them; alice's third is refused.
      const finished = jobsFinished(t.app, 4);
      await t.producer.addBulk(
        [
          ['alice', 'o1'],
          ['alice', 'o2'],
          ['alice', 'o3'],
          ['bob', 'o4'],
        ].map(([userId, orderId]) => ({
          name: JobName.Redeem,
          data: { couponCode: 'CONSOLE10', userId: userId!, orderId: orderId! },
        })),
      );
      await finished;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await until(() => dayCounts(page), ['3', '1', '0']);
      const log = page.getByRole('table', { name: 'Redemption log, newest first' });
      await log.getByRole('cell', { name: 'USER_DAILY_LIMIT_REACHED' }).waitFor();
      expect(await log.getByRole('cell', { name: 'accepted' }).count()).toBe(3);
      await page.getByText('3 used, 0 held, 7 remaining of 10').waitFor();
      await page.getByRole('table', { name: 'Refusals by reason' }).getByText('1').waitFor();
      const today = page.getByRole('table', { name: 'Busiest users, today' });
      expect(await today.locator('tbody tr').allInnerTexts()).toEqual(['alice\t2', 'bob\t1']);
      await page.getByText('1 user is at the daily limit of 2.').waitFor();

      // The log filters by status and by user.
      const filter = page.getByRole('form', { name: 'Filter the log' });
      await filter.getByLabel('Status').selectOption('rejected');
      await until(() => log.locator('tbody tr').count(), 1);
      await filter.getByLabel('Status').selectOption('');
      await filter.getByLabel('User').fill('bob');
      await filter.getByRole('button', { name: 'Filter' }).click();
      await until(() => log.locator('tbody tr td:nth-child(3)').allTextContents(), ['o4']);
      await filter.getByLabel('User').fill('');
      await filter.getByRole('button', { name: 'Filter' }).click();

      // From the keyboard: the row's control is a real button.
      await log.getByRole('button', { name: 'Roll back order o1' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('status').getByText('Order o1 of alice rolled back').waitFor();
      await until(() => dayCounts(page), ['3', '1', '1']);
      await log.getByRole('cell', { name: 'rolled-back' }).waitFor();
      // Nothing left to give back for o1; the other accepted orders keep their buttons.
      expect(await log.getByRole('button', { name: /^Roll back order/ }).allTextContents()).toEqual(
        ['Roll back order o4', 'Roll back order o2'],
      );
      await page.getByText('2 used, 0 held, 8 remaining of 10').waitFor();
      expect((await t.get('/coupons/CONSOLE10/repeat-counts').expect(200)).body.globalUsed).toBe(2);
      await page.screenshot({ path: artifact('console-coupon.png'), fullPage: true });

      await page.getByRole('link', { name: 'All coupons' }).click();
      await page.getByLabel('Search codes').fill('cons');
      await page.getByRole('button', { name: 'Search' }).click();
      const list = page.getByRole('table', { name: 'Coupons whose code starts with cons' });
      await until(() => list.locator('tbody tr td:first-child').allTextContents(), ['CONSOLE10']);
      await until(() => list.locator('.today').allTextContents(), ['3']);
      await list.getByText('active', { exact: true }).waitFor();
      await page.screenshot({ path: artifact('console-coupons.png'), fullPage: true });

      // A message that names no field is the form's alert.
      const again = page.getByRole('form', { name: 'New coupon' });
      await again.getByLabel('Code').fill('console10');
      await again.getByLabel('Discount (%)').fill('10');
      await again.getByLabel('Expires').fill('2099-12-31');
      await again.getByRole('button', { name: 'Create coupon' }).click();
      await again.getByRole('alert').getByText('Coupon CONSOLE10 already exists').waitFor();
      expect(await again.locator('[aria-invalid]').count()).toBe(0);
      expect(seen).toEqual([]);
    } catch (error) {
      await page.screenshot({ path: artifact('console-failed.png'), fullPage: true });
      throw error;
    } finally {
      await context.close();
    }
  }, 60_000);

  it('shows the viewer everything but no write control, and the API refuses a forced write', async () => {
    const { context, page, seen } = await open();
    try {
      // The token field has the focus; Tab reaches the Sign in button, with a visible focus ring.
      await page.keyboard.press('Tab');
      expect(
        await page.evaluate(
          `[document.activeElement.textContent, getComputedStyle(document.activeElement).outlineStyle]`,
        ),
      ).toEqual(['Sign in', 'solid']);
      await signIn(page, VIEWER_TOKEN);
      await page.getByText('Signed in as viewer').waitFor();
      await page.getByRole('link', { name: 'CONSOLE10' }).waitFor();
      expect(await page.getByRole('form', { name: 'New coupon' }).count()).toBe(0);

      await page.getByRole('link', { name: 'CONSOLE10' }).click();
      await until(() => dayCounts(page), ['3', '1', '1']);
      await page
        .getByRole('table', { name: 'Redemption log, newest first' })
        .getByRole('cell', { name: 'rolled-back' })
        .waitFor();
      expect(await page.locator('form.write').count()).toBe(0);
      expect(await page.getByRole('button', { name: WRITES }).count()).toBe(0);
      // Real buttons (the chart legend's entries are series toggles, not writes).
      expect(await page.locator('button').allTextContents()).toEqual([
        'Refresh',
        'Sign out',
        'Filter',
      ]);

      // The page's own token, sent by hand, as a curious viewer would from the developer tools.
      const status = await page.evaluate<number>(`(async () => {
        const token = sessionStorage.getItem('coupon-console.token');
        const response = await fetch('/coupons/CONSOLE10', {
          method: 'PATCH',
          headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
          body: JSON.stringify({ active: false }),
        });
        return response.status;
      })()`);
      expect(status).toBe(403);
      expect((await t.get('/coupons/CONSOLE10').expect(200)).body.active).toBe(true);

      // A batch of 3 unique codes, one redeemed through the queue: 1 used of 3 issued.
      await t.post('/coupons/OTHER5/code-batches', { count: 3 }).expect(201);
      const codes = await t.get('/coupons/OTHER5/code-batches/1/codes?limit=3').expect(200);
      const redeemed = jobsFinished(t.app, 1);
      await t.producer.add(JobName.Redeem, {
        couponCode: codes.body.items[1],
        userId: 'bob',
        orderId: 'code-order',
      });
      await redeemed;
      await page.getByRole('link', { name: 'All coupons' }).click();
      await page.getByRole('link', { name: 'OTHER5' }).click();
      const batches = page.getByRole('table', { name: 'Code batches' });
      await batches.getByText('1 used of 3 issued').waitFor();
      const bar = batches.getByRole('progressbar', { name: 'Codes used of batch 1' });
      expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['1', '3']);
      expect(seen).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);
});
