import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { JobName } from '../src/redemptions/redemption.contract.js';
import { jobsFinished, startApp, TOKEN, VIEWER_TOKEN, type TestApp } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const NOW = '2026-12-02T10:00:00Z';
const XSS_USER = '<img src=x onerror="window.__xss=\'user\'">';
const XSS_ORDER = '"><svg onload="window.__xss=\'order\'">';
const XSS_DESCRIPTION = '<img src=x onerror="window.__xss=\'description\'">';

/** Polls `read` until it returns `expected` (deep equality), for at most 5 s. */
async function until<T>(read: () => Promise<T>, expected: T): Promise<void> {
  const deadline = Date.now() + 5_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(last).toEqual(expected);
}

describe('admin console under review, in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}`);
    t = await startApp({}, NOW);
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    for (const id of ['alice', XSS_USER]) {
      await t.post('/users', { id, name: 'x', email: `u${id.length}@example.com` }).expect(201);
    }
    await t
      .post('/coupons', {
        code: 'EVIL1',
        discountPercentage: 5,
        expiresAt: '2099-12-31',
        description: XSS_DESCRIPTION,
      })
      .expect(201);
    await t
      .post('/coupons', { code: 'ZERO0', discountPercentage: 1, expiresAt: '2099-12-31' })
      .expect(201);
    await t
      .put('/coupons/ZERO0/repeat-counts', {
        globalTotal: 0,
        userTotal: 0,
        userDaily: 0,
        userWeekly: 0,
      })
      .expect(200);
    await t
      .post('/coupons', {
        code: 'HUGE9',
        discountPercentage: 0.0001,
        startsAt: '2098-01-01',
        expiresAt: '2099-12-31',
      })
      .expect(201);
    const max = 2 ** 31 - 1;
    await t
      .put('/coupons/HUGE9/repeat-counts', {
        globalTotal: max,
        userTotal: max,
        userDaily: max,
        userWeekly: max,
      })
      .expect(200);
    await t
      .post('/coupons', { code: 'SOON1', discountPercentage: 5, expiresAt: '2026-12-03' })
      .expect(201);
    await t.post('/coupons/EVIL1/code-batches', { count: 2 }).expect(201);
    const finished = jobsFinished(t.app, 3);
    await t.producer.addBulk(
      [
        [XSS_USER, XSS_ORDER],
        ['alice', XSS_ORDER],
        ['nobody<b>', '<i>o</i>'],
      ].map(([userId, orderId]) => ({
        name: JobName.Redeem,
        data: { couponCode: 'EVIL1', userId: userId!, orderId: orderId! },
      })),
    );
    await finished;
    await t
      .post('/reservations', { couponCode: 'EVIL1', userId: XSS_USER, orderId: `${XSS_ORDER}2` })
      .expect((response) => expect(response.status).toBeLessThan(300));
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A fresh tab recording page errors, console errors, CSP violations and every request. */
  async function open(options: { clock?: boolean; url?: string } = {}) {
    const context: BrowserContext = await browser.newContext({
      viewport: { width: 1280, height: 900 },
    });
    const page: Page = await context.newPage();
    const seen: string[] = [];
    const requests: { url: string; authorization?: string }[] = [];
    page.on('request', (r) =>
      requests.push({ url: r.url(), authorization: r.headers().authorization }),
    );
    page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) {
        seen.push(`console: ${message.text()}`);
      }
    });
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) =>
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI),
    );`);
    if (options.clock) await page.clock.install();
    await page.goto(options.url ?? `${base}/console`);
    return { context, page, seen, requests };
  }

  async function signIn(page: Page, token: string) {
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Coupons', level: 1 }).waitFor();
  }

  describe('bugs', () => {
    it('a malformed coupon address (#/coupon/%E0%A4%A) raises no page error', async () => {
      const { context, page, seen } = await open();
      try {
        await signIn(page, TOKEN);
        await page.evaluate(`location.hash = '#/coupon/%E0%A4%A'`);
        await page.waitForTimeout(300);
        // route() runs decodeURIComponent on the hash unguarded: an uncaught URIError.
        expect(seen).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('reloading a malformed coupon address does not sign the user out', async () => {
      const { context, page } = await open();
      try {
        await signIn(page, TOKEN);
        await page.goto(`${base}/console#/coupon/%E0%A4%A`);
        await page.reload();
        await page.waitForTimeout(500);
        // The URIError thrown by route() inside roleOf().then() lands in the catch that signs out.
        expect(
          await page.evaluate<string | null>(`sessionStorage.getItem('coupon-console.token')`),
        ).toBe(TOKEN);
        expect(await page.getByLabel('Access token').count()).toBe(0);
      } finally {
        await context.close();
      }
    });

    it('the 30 s auto refresh keeps the keyboard focus on the coupon link it was on', async () => {
      const { context, page } = await open({ clock: true });
      try {
        await signIn(page, VIEWER_TOKEN);
        const link = page.getByRole('link', { name: 'EVIL1' });
        await link.focus();
        await page.evaluate(`document.activeElement.dataset.before = '1'`);
        await page.clock.fastForward(31_000);
        // The list is rendered again (the old link is gone) ...
        await until(() => page.locator('[data-before]').count(), 0);
        // ... and the keyboard user's place went with it (focus falls back to <body>).
        expect(await page.evaluate<string>(`document.activeElement.textContent`)).toBe('EVIL1');
      } finally {
        await context.close();
      }
    });

    it('the 30 s auto refresh keeps the keyboard focus in the redemption log', async () => {
      const { context, page } = await open({ clock: true });
      try {
        await signIn(page, TOKEN);
        await page.getByRole('link', { name: 'EVIL1' }).click();
        const log = page.getByRole('table', { name: 'Redemption log, newest first' });
        const button = log.getByRole('button', { name: /^Roll back order/ }).first();
        await button.focus();
        const name = await button.textContent();
        await page.evaluate(`document.activeElement.dataset.before = '1'`);
        await page.clock.fastForward(31_000);
        await until(() => page.locator('[data-before]').count(), 0);
        expect(await page.evaluate<string>(`document.activeElement.textContent`)).toBe(name);
      } finally {
        await context.close();
      }
    });

    it("the chart legend's series toggles can be reached with Tab", async () => {
      const { context, page } = await open();
      try {
        await signIn(page, VIEWER_TOKEN);
        await page.getByRole('link', { name: 'EVIL1' }).click();
        const rejected = page.locator('.u-legend .u-series', { hasText: 'Rejected' });
        // A mouse click hides the series: the legend is a control ...
        await rejected.click();
        expect(await rejected.getAttribute('class')).toMatch(/u-off/);
        await rejected.click();
        // ... which Tab never reaches (uPlot's legend rows take no focus).
        const reached: string[] = [];
        await page.locator('#main').focus();
        for (let i = 0; i < 60; i++) {
          await page.keyboard.press('Tab');
          reached.push(
            await page.evaluate<string>(
              `document.activeElement.closest('.u-legend') ? 'legend' : 'other'`,
            ),
          );
        }
        expect(reached).toContain('legend');
      } finally {
        await context.close();
      }
    });

    it("saving an edit does not undo another admin's change to a field left alone", async () => {
      await t.post('/coupons', { code: 'EDIT1', discountPercentage: 5, expiresAt: '2099-12-31' });
      const { context, page } = await open();
      try {
        await signIn(page, TOKEN);
        await page.evaluate(`location.hash = '#/coupon/EDIT1'`);
        const edit = page.getByRole('form', { name: 'Edit coupon' });
        await edit.waitFor();
        // Meanwhile another admin raises the discount; this page refreshes and shows it.
        await t.patch('/coupons/EDIT1', { discountPercentage: 7 }).expect(200);
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.locator('#details-body').getByText('7 %').waitFor();
        // This admin changes only the description ...
        await edit.getByLabel('Description').fill('spring sale');
        await edit.getByRole('button', { name: 'Save changes' }).click();
        await page.locator('#details-body').getByText('spring sale').waitFor();
        // ... yet the form's stale 5 differs from the refreshed `current` (7) and is sent too.
        expect((await t.get('/coupons/EDIT1').expect(200)).body.discountPercentage).toBe(7);
      } finally {
        await context.close();
      }
    });

    it("saving repeat counts does not undo another admin's change to a count left alone", async () => {
      await t.post('/coupons', { code: 'COUNT1', discountPercentage: 5, expiresAt: '2099-12-31' });
      const { context, page } = await open();
      try {
        await signIn(page, TOKEN);
        await page.evaluate(`location.hash = '#/coupon/COUNT1'`);
        const counts = page.getByRole('form', { name: 'Change repeat counts' });
        await counts.waitFor();
        const limits = { globalTotal: 50, userTotal: null, userDaily: null, userWeekly: null };
        await t.put('/coupons/COUNT1/repeat-counts', limits).expect(200);
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.getByText('0 used, 0 held, 50 remaining of 50').waitFor();
        // The form still shows the counts of the first visit (empty: unlimited) and sends them all.
        await counts.getByLabel('One user a day').fill('2');
        await counts.getByRole('button', { name: 'Save repeat counts' }).click();
        await page.getByRole('status').getByText('Repeat counts of COUNT1 saved').waitFor();
        expect((await t.get('/coupons/COUNT1/repeat-counts').expect(200)).body).toMatchObject({
          globalTotal: 50,
          userDaily: 2,
        });
      } finally {
        await context.close();
      }
    });

    it('flags an emptied Expires field instead of silently keeping the old date', async () => {
      await t.post('/coupons', { code: 'CLEAR1', discountPercentage: 5, expiresAt: '2099-12-31' });
      const { context, page } = await open();
      try {
        await signIn(page, TOKEN);
        await page.evaluate(`location.hash = '#/coupon/CLEAR1'`);
        const edit = page.getByRole('form', { name: 'Edit coupon' });
        await edit.getByLabel('Expires').fill('');
        await edit.getByLabel('Description').fill('cleared');
        await edit.getByRole('button', { name: 'Save changes' }).click();
        // An empty Expires became `expiresAt: undefined`, which JSON drops: no error by the field.
        // Now it is sent as null and the API's refusal shows next to it; nothing is saved.
        await page
          .locator('#edit-expiresAt-error')
          .getByText(/^expiresAt /)
          .waitFor();
        expect((await t.get('/coupons/CLEAR1').expect(200)).body.description).toBeNull();
      } finally {
        await context.close();
      }
    });

    it('offers no roll back for an order already rolled back when the log is filtered to accepted', async () => {
      await t.post('/coupons', { code: 'ROLL1', discountPercentage: 5, expiresAt: '2099-12-31' });
      const finished = jobsFinished(t.app, 1);
      await t.producer.add(JobName.Redeem, { couponCode: 'ROLL1', userId: 'alice', orderId: 'r1' });
      await finished;
      await t.post('/redemptions/rollback', {
        couponCode: 'ROLL1',
        userId: 'alice',
        orderId: 'r1',
      });
      const { context, page } = await open();
      try {
        await signIn(page, TOKEN);
        await page.evaluate(`location.hash = '#/coupon/ROLL1'`);
        const log = page.getByRole('table', { name: 'Redemption log, newest first' });
        await log.getByRole('cell', { name: 'rolled-back' }).waitFor();
        expect(await log.getByRole('button', { name: /^Roll back/ }).count()).toBe(0);
        await page
          .getByRole('form', { name: 'Filter the log' })
          .getByLabel('Status')
          .selectOption('accepted');
        await until(() => log.getByRole('cell', { name: 'rolled-back' }).count(), 0);
        // The rolled-back entry is filtered out, so the page no longer knows and offers the write.
        expect(await log.getByRole('button', { name: /^Roll back/ }).count()).toBe(0);
      } finally {
        await context.close();
      }
    });

    it('names the coupon as stored when its address is in lower case', async () => {
      const { context, page } = await open();
      try {
        await signIn(page, VIEWER_TOKEN);
        await page.evaluate(`location.hash = '#/coupon/zero0'`);
        await page.locator('#details-body .badge').waitFor();
        // The heading shows the address ("Coupon zero0"), not the coupon's code.
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Coupon ZERO0');
      } finally {
        await context.close();
      }
    });
  });

  describe('suspicions that held', () => {
    it('renders hostile descriptions, user ids, order ids and codes as text only', async () => {
      const { context, page, seen } = await open();
      try {
        await signIn(page, TOKEN);
        await page.getByRole('link', { name: 'EVIL1' }).click();
        const log = page.getByRole('table', { name: 'Redemption log, newest first' });
        await log.getByRole('cell', { name: XSS_ORDER }).first().waitFor();
        await page.getByRole('table', { name: 'Live holds' }).getByText(`${XSS_ORDER}2`).waitFor();
        await page.locator('#details-body').getByText(XSS_DESCRIPTION).waitFor();
        await page
          .getByRole('table', { name: 'Busiest users, today' })
          .getByText(XSS_USER)
          .waitFor();
        await log
          .getByRole('button', { name: `Roll back order ${XSS_ORDER}` })
          .first()
          .click();
        await page.getByRole('status').getByText(`Order ${XSS_ORDER} of`).waitFor();
        await page.getByLabel('User', { exact: true }).last().fill(XSS_USER);
        expect(await page.evaluate<string | undefined>(`window.__xss`)).toBeUndefined();
        expect(await page.locator('#main img, #main svg, #main b, #main i').count()).toBe(0);
        expect(seen).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('keeps the token in sessionStorage only, sends it only to its own origin, drops it on sign-out and 401', async () => {
      const { context, page, seen, requests } = await open();
      try {
        await signIn(page, TOKEN);
        await page.getByRole('link', { name: 'EVIL1' }).click();
        await page.locator('#daily-table').waitFor();
        expect(await context.cookies()).toEqual([]);
        expect(await page.evaluate<number>(`localStorage.length`)).toBe(0);
        for (const { url, authorization } of requests) {
          expect(url).not.toContain(TOKEN);
          expect(new URL(url).origin).toBe(base);
          if (authorization !== undefined) expect(authorization).toBe(`Bearer ${TOKEN}`);
        }
        expect(requests.some(({ authorization }) => authorization)).toBe(true);
        await page.getByRole('button', { name: 'Sign out' }).click();
        expect(await page.evaluate<number>(`sessionStorage.length`)).toBe(0);
        // A token the API no longer takes: the reload asks for a sign-in and forgets it.
        await page.evaluate(`sessionStorage.setItem('coupon-console.token', 'stale-token')`);
        await page.reload();
        await page.getByText(/Sign in again/).waitFor();
        expect(await page.evaluate<number>(`sessionStorage.length`)).toBe(0);
        expect(seen).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('puts the API errors of the date and repeat count fields next to those fields', async () => {
      const { context, page, seen } = await open();
      try {
        await signIn(page, TOKEN);
        const create = page.getByRole('form', { name: 'New coupon' });
        await create.getByLabel('Code').fill('dates1');
        await create.getByLabel('Discount (%)').fill('5');
        await create.getByLabel('Starts').fill('2099-12-31');
        await create.getByLabel('Expires').fill('2099-01-01');
        await create.getByRole('button', { name: 'Create coupon' }).click();
        await page.locator('#create-startsAt-error').getByText('startsAt must be before').waitFor();
        await create.getByLabel('Starts').fill('');
        await create.getByLabel('Expires').fill('2020-01-01');
        await create.getByRole('button', { name: 'Create coupon' }).click();
        await page
          .locator('#create-expiresAt-error')
          .getByText(/^expiresAt must/)
          .waitFor();
        expect(await page.locator('#create-startsAt-error').isHidden()).toBe(true);

        await page.evaluate(`location.hash = '#/coupon/EVIL1'`);
        const counts = page.getByRole('form', { name: 'Change repeat counts' });
        await counts.getByLabel('One user a day').fill('-1');
        await counts.getByLabel('One user a week').fill('1.5');
        await counts.getByRole('button', { name: 'Save repeat counts' }).click();
        await page
          .locator('#counts-userDaily-error')
          .getByText(/^userDaily/)
          .waitFor();
        await page
          .locator('#counts-userWeekly-error')
          .getByText(/^userWeekly/)
          .waitFor();
        const edit = page.getByRole('form', { name: 'Edit coupon' });
        await edit.getByLabel('Starts').fill('2100-06-01');
        await edit.getByRole('button', { name: 'Save changes' }).click();
        await page.locator('#edit-startsAt-error').getByText('startsAt must be before').waitFor();
        expect(seen).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('labels every input, shows a focus ring on every control Tab reaches, and shows the viewer no write', async () => {
      const { context, page, seen } = await open();
      try {
        await signIn(page, TOKEN);
        await page.getByRole('link', { name: 'EVIL1' }).click();
        await page.locator('#daily-table').waitFor();
        await page.getByRole('form', { name: 'Edit coupon' }).waitFor();
        const unlabelled = await page.evaluate<string[]>(`[
          ...document.querySelectorAll('input, select, textarea'),
        ]
          .filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label'))
          .map((e) => e.outerHTML)`);
        expect(unlabelled).toEqual([]);
        await page.locator('#main').focus();
        const rings: string[] = [];
        for (let i = 0; i < 80; i++) {
          await page.keyboard.press('Tab');
          if (await page.evaluate<boolean>(`document.activeElement === document.body`)) break;
          rings.push(
            await page.evaluate<string>(`(() => {
              const e = document.activeElement;
              const style = getComputedStyle(e);
              return style.outlineStyle === 'none' || style.outlineWidth === '0px'
                ? 'no ring: ' + e.outerHTML.slice(0, 80)
                : 'ring';
            })()`),
          );
        }
        expect(rings.length).toBeGreaterThan(15);
        expect(rings.filter((r) => r !== 'ring')).toEqual([]);
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.evaluate(`location.hash = '#/coupons'`);
        await signIn(page, VIEWER_TOKEN);
        await page.evaluate(`location.hash = '#/coupon/EVIL1'`);
        await page.locator('#daily-table').waitFor();
        await page.locator('#log-body table').waitFor();
        expect(await page.locator('form.write, #toggle-active, #rollback-section').count()).toBe(0);
        expect(seen).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('puts a bad search from the address next to the search field', async () => {
      const { context, page, seen } = await open();
      try {
        await signIn(page, VIEWER_TOKEN);
        await page.evaluate(`location.hash = '#/coupons?q=%3Cb%3E'`);
        await page.locator('#search-q-error').getByText(/^q /).waitFor();
        expect(await page.locator('#main b').count()).toBe(0);
        expect(seen).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('shows a coupon and the list without a page error when statistics are off', async () => {
      const off = await startApp({ statsRetentionDays: 0 }, NOW);
      try {
        await off.app.listen(0, '127.0.0.1');
        const port = (off.app.getHttpServer().address() as { port: number }).port;
        await off
          .post('/coupons', { code: 'NOSTATS', discountPercentage: 5, expiresAt: '2099-12-31' })
          .expect(201);
        const { context, page, seen } = await open({ url: `http://127.0.0.1:${port}/console` });
        try {
          await signIn(page, TOKEN);
          await page.locator('.today').getByText('—').waitFor();
          await page.getByRole('link', { name: 'NOSTATS' }).click();
          await page
            .locator('#daily-body')
            .getByText('Could not load: Statistics are off (STATS_RETENTION_DAYS=0)')
            .waitFor();
          await page
            .locator('#log-body')
            .getByText(/no entries/)
            .waitFor();
          expect(seen).toEqual([]);
        } finally {
          await context.close();
        }
      } finally {
        await off.close();
      }
    });

    it('lets an admin create an inactive coupon, activate it and sign out with the keyboard only', async () => {
      const { context, page, seen } = await open();
      try {
        await page.keyboard.type(TOKEN);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Coupons', level: 1 }).waitFor();
        const create = page.getByRole('form', { name: 'New coupon' });
        await create.getByLabel('Code').focus();
        await page.keyboard.type('keys1');
        await page.keyboard.press('Tab');
        await page.keyboard.type('15');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Tab');
        await page.keyboard.type('2099-12-31');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Space'); // Active: unchecked
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Coupon KEYS1', level: 1 }).waitFor();
        await page.locator('#details-body .badge').getByText('inactive').waitFor();
        await page.getByRole('button', { name: 'Activate' }).focus();
        await page.keyboard.press('Space');
        await page.locator('#details-body .badge').getByText('active', { exact: true }).waitFor();
        await page.getByRole('button', { name: 'Sign out' }).focus();
        await page.keyboard.press('Enter');
        await page.getByLabel('Access token').waitFor();
        expect(await page.evaluate<number>(`sessionStorage.length`)).toBe(0);
        expect(seen).toEqual([]);
      } finally {
        await context.close();
      }
    });

    it('shows zero limits, huge numbers, scheduled and expired coupons and a lower-case address without errors', async () => {
      const { context, page, seen } = await open();
      try {
        await signIn(page, VIEWER_TOKEN);
        const list = page.getByRole('table', { name: 'All coupons' });
        await list.getByText('0 used, 0 held, 0 remaining of 0').waitFor();
        await list.getByText('2147483647 remaining of 2147483647', { exact: false }).waitFor();
        await list.getByText('scheduled', { exact: true }).waitFor();
        await page.evaluate(`location.hash = '#/coupon/zero0'`);
        await page.locator('#details-body .badge').getByText('active').waitFor();
        await page.getByText('0 users are at the daily limit of 0.').waitFor();
        await page.getByText('Code batches: no batches.').waitFor();
        await page.getByText('Live holds: none.').waitFor();
        t.clock.set('2026-12-04T10:00:00Z');
        await page.evaluate(`location.hash = '#/coupon/SOON1'`);
        await page.locator('#details-body .badge').getByText('expired').waitFor();
        expect(seen).toEqual([]);
      } finally {
        t.clock.set(NOW);
        await context.close();
      }
    });
  });
});
