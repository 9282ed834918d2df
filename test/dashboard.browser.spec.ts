import type { Browser } from 'playwright-core';
import request from 'supertest';
import { artifact, launchChromium, listen } from './browser.js';
import { startApp, TOKEN, VIEWER_TOKEN, type TestApp } from './helpers.js';

const SCREENSHOT = artifact('queues-dashboard.png');

describe('queue dashboard in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startApp({}, new Date().toISOString());
    base = await listen(t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for credentials, and takes the token as bearer or as basic-auth password', async () => {
    const server = t.app.getHttpServer();
    const challenge = await request(server).get('/queues').expect(401);
    expect(challenge.headers['www-authenticate']).toMatch(/^Basic realm=/);
    await request(server).get('/queues/api/queues').auth('anyone', 'wrong-token').expect(401);
    await request(server).get('/queues/api/queues').auth('anyone', TOKEN).expect(200);
    await request(server)
      .get('/queues/api/queues')
      .set('Authorization', `Bearer ${TOKEN}`)
      .expect(200);
  });

  it('shows both queues and a completed redeem job with its return value after a basic-auth login', async () => {
    await t
      .post('/coupons', { code: 'BOARD10', discountPercentage: 10, expiresAt: '2099-12-31' })
      .expect(201);
    await t.post('/users', { id: 'alice', name: 'Alice', email: 'alice@example.com' }).expect(201);
    await t
      .post('/redemptions', { couponCode: 'BOARD10', userId: 'alice', orderId: 'order-42' })
      .expect(201);

    const context = await browser.newContext({
      httpCredentials: { username: 'operator', password: TOKEN },
    });
    const page = await context.newPage();
    await page.goto(`${base}/queues`);
    await page.getByText('coupon-redemptions').first().waitFor();
    await page.getByText('coupon-counter-resets').first().waitFor();
    // Links to the admin console and the API documentation, in the header's menu of links.
    await page.locator('ul[class^="actions-"] > li').last().locator('button').click();
    await page.locator('a[href="/console"]').first().waitFor();
    await page.locator('a[href="/docs"]').first().waitFor();
    await page.keyboard.press('Escape');

    await page.goto(`${base}/queues/queue/coupon-redemptions?status=completed`);
    try {
      await page.getByText('redeem.BOARD10.order-42').first().waitFor();
      await page.getByText('returnValue').first().waitFor();
      await page.getByText('"accepted"').first().waitFor();
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await page.getByText('Schedulers').first().click();
      await page.getByText('daily-reset').first().waitFor();
      await page.getByText('weekly-reset').first().waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  /** Opens the completed jobs of coupon-redemptions logged in with `token`; every URL requested. */
  async function openCompleted(token: string, jobId: string) {
    // Credentials sent up front: a browser's unanswered first requests would otherwise count as
    // failed authentications, and this file's contexts share one address's budget of them.
    const basic = Buffer.from(`operator:${token}`).toString('base64');
    const context = await browser.newContext({
      extraHTTPHeaders: { Authorization: `Basic ${basic}` },
    });
    const requested: string[] = [];
    context.on('request', (r) => requested.push(r.url()));
    const page = await context.newPage();
    await page.goto(`${base}/queues/queue/coupon-redemptions?status=completed`);
    try {
      await page.getByText(jobId).first().waitFor();
    } catch (error) {
      await page.screenshot({ path: SCREENSHOT.replace('.png', '-failed.png'), fullPage: true });
      throw error;
    }
    await page.waitForLoadState('networkidle');
    return { context, page, requested };
  }

  const ACTIONS = /^(Retry|Retry all|Clean|Clean all|Pause|Pause all|Promote|Empty|Remove)$/;

  it('loads nothing from outside the host: no font service, system fonts', async () => {
    await t
      .post('/coupons', { code: 'BOARD20', discountPercentage: 20, expiresAt: '2099-12-31' })
      .expect(201);
    await t.post('/users', { id: 'bob', name: 'Bob', email: 'bob@example.com' }).expect(201);
    await t
      .post('/redemptions', { couponCode: 'BOARD20', userId: 'bob', orderId: 'order-7' })
      .expect(201);
    const { context, page, requested } = await openCompleted(TOKEN, 'redeem.BOARD20.order-7');
    try {
      expect(requested.length).toBeGreaterThan(3);
      expect(requested.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
      expect(await page.content()).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
      // The admin's board offers the actions the viewer's must not.
      await page.getByRole('button', { name: ACTIONS }).first().waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);

  it('gives the viewer token a read-only board and refuses its actions, while the admin acts', async () => {
    await t
      .post('/coupons', { code: 'BOARD30', discountPercentage: 30, expiresAt: '2099-12-31' })
      .expect(201);
    await t.post('/users', { id: 'carol', name: 'Carol', email: 'carol@example.com' }).expect(201);
    await t
      .post('/redemptions', { couponCode: 'BOARD30', userId: 'carol', orderId: 'order-8' })
      .expect(201);
    const { context, page, requested } = await openCompleted(
      VIEWER_TOKEN,
      'redeem.BOARD30.order-8',
    );
    try {
      expect(requested.filter((url) => new URL(url).hostname !== '127.0.0.1')).toEqual([]);
      await page.getByText('returnValue').first().waitFor();
      expect(await page.getByRole('button', { name: ACTIONS }).count()).toBe(0);
    } finally {
      await context.close();
    }
    const server = t.app.getHttpServer();
    const queue = '/queues/api/queues/coupon-redemptions';
    const refused = await request(server)
      .put(`${queue}/pause`)
      .auth('viewer', VIEWER_TOKEN)
      .expect(403);
    expect(refused.body.message).toMatch(/only the admin token can act/);
    await request(server)
      .post(`${queue}/add`)
      .set('Authorization', `Bearer ${VIEWER_TOKEN}`)
      .send({ name: 'redeem', data: {} })
      .expect(403);
    await request(server).put(`${queue}/clean/completed`).auth('v', VIEWER_TOKEN).expect(403);
    expect(await t.producer.isPaused()).toBe(false);
    const viewerQueues = await request(server)
      .get('/queues/api/queues')
      .auth('viewer', VIEWER_TOKEN)
      .expect(200);
    expect(viewerQueues.body.queues.map((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toEqual([
      true,
      true,
    ]);

    await request(server).put(`${queue}/pause`).auth('admin', TOKEN).expect(200);
    expect(await t.producer.isPaused()).toBe(true);
    await request(server).put(`${queue}/resume`).auth('admin', TOKEN).expect(200);
    expect(await t.producer.isPaused()).toBe(false);
  }, 60_000);

  it('renders the API documentation under the security headers', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${base}/docs`);
    expect(response?.headers()['content-security-policy']).toBeDefined();
    await page.getByText('Coupon Code Service').first().waitFor();
    await page.getByText('/coupons/{code}/repeat-counts').first().waitFor();
    expect(await page.getByRole('link', { name: 'admin console' }).getAttribute('href')).toBe(
      '/console',
    );
    expect(await page.getByRole('link', { name: 'queue dashboard' }).getAttribute('href')).toBe(
      '/queues',
    );
    await page.close();
  }, 30_000);
});
