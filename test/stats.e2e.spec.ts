import request from 'supertest';
import { DateTime } from 'luxon';
import { JobName, redemptionJobId } from '../src/redemptions/redemption.contract.js';
import { jobsFinished, startApp, VIEWER_TOKEN, type TestApp } from './helpers.js';

/**
 * GET /coupons/:code/stats against the redemption log, with redemptions made through the queue
 * as an order system makes them, in a zone whose days are not UTC's.
 */
const ZONE = 'America/New_York';
type Entry = { at: string; status: string; reason?: string };

describe.each(['memory', 'redis'] as const)('statistics per coupon and day, %s store', (store) => {
  let t: TestApp;
  beforeEach(async () => {
    // 22:30 on Tuesday 24 November in New York.
    t = await startApp({ store, couponTz: ZONE }, '2026-11-25T03:30:00Z');
  });
  afterEach(async () => t.close());

  /** Publishes redeem jobs for these (user, order) pairs and waits until the worker finished them. */
  async function redeem(...orders: [string, string][]) {
    const finished = jobsFinished(t.app, orders.length);
    for (const [userId, orderId] of orders) {
      await t.producer.add(
        JobName.Redeem,
        { couponCode: 'STATS10', userId, orderId },
        { jobId: redemptionJobId('STATS10', orderId) },
      );
    }
    await finished;
  }
  /** The whole log, every page. */
  async function wholeLog(): Promise<Entry[]> {
    const entries: Entry[] = [];
    let cursor = '';
    do {
      const page = (await t.get(`/coupons/STATS10/redemptions?limit=100${cursor}`).expect(200))
        .body as { items: Entry[]; nextCursor: string | null };
      entries.push(...page.items);
      cursor = page.nextCursor ? `&cursor=${page.nextCursor}` : '';
    } while (cursor);
    return entries;
  }

  it('equals the log’s counts for each day in COUPON_TZ', async () => {
    await t
      .post('/coupons', {
        code: 'STATS10',
        discountPercentage: 10,
        expiresAt: '2026-12-31',
        repeatCounts: { userDaily: 1 },
      })
      .expect(201);
    for (const id of ['ann', 'bob', 'cat']) {
      await t.post('/users', { id, name: id, email: `${id}@example.com` }).expect(201);
    }
    await redeem(['ann', 'o1'], ['bob', 'o2'], ['ann', 'o3'], ['nobody', 'o4']);
    await t.post('/redemptions/rollback', { couponCode: 'STATS10', userId: 'bob', orderId: 'o2' });
    t.clock.set('2026-11-25T05:30:00Z'); // 00:30 on the 25th in New York
    await redeem(['ann', 'o5'], ['cat', 'o6'], ['cat', 'o7']);

    const stats = (await t.get('/coupons/STATS10/stats?from=2026-11-23&to=2026-11-25').expect(200))
      .body;
    expect(stats).toMatchObject({
      couponCode: 'STATS10',
      timeZone: ZONE,
      from: '2026-11-23',
      to: '2026-11-25',
      totals: { accepted: 4, rejected: 3, rolledBack: 1 },
    });
    const days = stats.days as { day: string; [count: string]: unknown }[];
    expect(days.map((d) => d.day)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25']);
    expect(days[1]).toMatchObject({
      accepted: 2,
      rejected: 2,
      rolledBack: 1,
      reasons: { USER_DAILY_LIMIT_REACHED: 1, USER_NOT_FOUND: 1 },
    });
    expect(days[2]).toMatchObject({
      accepted: 2,
      rejected: 1,
      rolledBack: 0,
      reasons: { USER_DAILY_LIMIT_REACHED: 1 },
    });

    // The log, counted per New York day, says the same.
    const fromLog = new Map<string, Record<string, number>>();
    for (const entry of await wholeLog()) {
      const day = DateTime.fromISO(entry.at, { zone: ZONE }).toISODate()!;
      const counts = fromLog.get(day) ?? {};
      counts[entry.status] = (counts[entry.status] ?? 0) + 1;
      if (entry.reason) counts[entry.reason] = (counts[entry.reason] ?? 0) + 1;
      fromLog.set(day, counts);
    }
    for (const { day, accepted, rejected, rolledBack, reasons } of days) {
      const counts = fromLog.get(day) ?? {};
      expect({ day, accepted, rejected, rolledBack, reasons }).toEqual({
        day,
        accepted: counts.accepted ?? 0,
        rejected: counts.rejected ?? 0,
        rolledBack: counts['rolled-back'] ?? 0,
        reasons: Object.fromEntries(
          Object.entries(counts).filter(([name]) => name === name.toUpperCase()),
        ),
      });
    }
  });

  it('defaults to the 30 days ending today, and lets the viewer read', async () => {
    const body = (
      await request(t.app.getHttpServer())
        .get('/coupons/never-made/stats')
        .set('Authorization', `Bearer ${VIEWER_TOKEN}`)
        .expect(200)
    ).body;
    expect(body).toMatchObject({ couponCode: 'NEVER-MADE', from: '2026-10-26', to: '2026-11-24' });
    expect(body.days).toHaveLength(30);
    expect(body.totals).toEqual({
      accepted: 0,
      confirmed: 0,
      rejected: 0,
      rolledBack: 0,
      reserved: 0,
      released: 0,
      expired: 0,
      reasons: {},
    });
  });

  it.each([
    ['?from=2026-02-30', 'from must be a calendar day, YYYY-MM-DD'],
    ['?to=25-11-2026', 'to must be a calendar day, YYYY-MM-DD'],
    ['?from=2026-11-25&to=2026-11-24', 'from (2026-11-25) must not be after to (2026-11-24)'],
    ['?from=2025-01-01&to=2026-11-24', 'from and to may span at most 400 days'],
  ])('answers 400 for %s', async (query, message) => {
    const body = (await t.get(`/coupons/STATS10/stats${query}`).expect(400)).body;
    expect(body.message).toEqual([message]);
  });
});

describe('statistics switched off', () => {
  it('answers 404 saying so when STATS_RETENTION_DAYS=0', async () => {
    const t = await startApp({ statsRetentionDays: 0 });
    try {
      const body = (await t.get('/coupons/ANY/stats').expect(404)).body;
      expect(body.message).toBe('Statistics are off (STATS_RETENTION_DAYS=0)');
    } finally {
      await t.close();
    }
  });
});
