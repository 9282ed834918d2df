/**
 * GET /coupons/:code/stats over HTTP at its edges, from a hostile review of issue 18: bugs that
 * fail until fixed (store-level cases: src/store/review-stats.spec.ts).
 */
import { clusterConfig, deleteKeys, REDIS_URL, startApp, uniquePrefix } from './helpers.js';
import { run, type Started } from './processes.js';

const ADMIN_TOKEN = 'review-admin-token-0123456789';
const VIEWER_TOKEN = 'review-viewer-token-0123456789';

describe('a stats query at the end of the calendar, on the built service', () => {
  let service: Started | undefined;
  const queuePrefix = uniquePrefix();
  afterEach(async () => {
    if (service) {
      service.kill('SIGKILL');
      await service.exitCode;
    }
    await deleteKeys(queuePrefix);
  });

  // Bug: domain/stats.ts daysFrom loops while `day.toISODate() <= to`, comparing strings. The day
  // after 9999-12-31 is "+010000-01-01", and '+' sorts before every digit, so the loop never ends
  // (until luxon's last representable date, ~100 million days later): one GET, which the viewer
  // token may send and which passes StatsQuery and statsRange (a single day), pins the event loop
  // and grows the heap by gigabytes. Measured on the memory store: no answer, not even to
  // /health, and 1.1 GB RSS after 40 s.
  it('answers ?from=9999-12-31&to=9999-12-31 at once, and the service keeps answering', async () => {
    service = run({
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      STORE: 'memory',
      ADMIN_TOKEN,
      VIEWER_TOKEN,
      PORT: '0',
    });
    const [, port] = await service.waitFor(/listening on port (\d+)/);
    const base = `http://127.0.0.1:${port}`;
    const headers = { Authorization: `Bearer ${VIEWER_TOKEN}` };
    const answer = await fetch(`${base}/coupons/ANY/stats?from=9999-12-31&to=9999-12-31`, {
      headers,
      signal: AbortSignal.timeout(5000),
    }).then(
      async (response) => ({
        status: response.status as number | string,
        body: (await response.json()) as { days?: { day: string }[] },
      }),
      () => ({ status: 'no answer within 5 s', body: {} as { days?: { day: string }[] } }),
    );
    // A range of one day answers that day (or a 400 that says why the day is refused).
    expect([200, 400]).toContain(answer.status);
    const days = answer.status === 200 ? answer.body.days!.map(({ day }) => day) : ['9999-12-31'];
    expect(days).toEqual(['9999-12-31']);
    const health = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(2000) });
    expect(health.status).toBe(200);
  }, 30_000);
});

describe('statistics of a code no coupon can have, on a Redis Cluster', () => {
  // Bug: RedisRedemptionStats.days does not check COUPON_CODE_PATTERN (the log, report and ledger
  // readers do). A path code starting with '}' gives the stats keys an empty hash tag, so the days
  // of one query hash to different slots, the pipeline is refused (MOVED) and the answer is a 500.
  // The same request reads zeros on one Redis and in memory ("an unknown coupon answers zeros").
  it('answers zeros, as for any unknown code', async () => {
    const t = await startApp(clusterConfig());
    try {
      const body = (await t.get('/coupons/%7D/stats?from=2026-11-20&to=2026-11-25').expect(200))
        .body;
      expect(body.days).toHaveLength(6);
      expect(body.totals).toMatchObject({ accepted: 0, rejected: 0, reasons: {} });
    } finally {
      await t.close();
    }
  });
});

describe('a stats query in the first days of year 0000', () => {
  // Bug: StatsQuery takes any YYYY-MM-DD luxon can read, 0000-01-29 included. Its default `from`
  // is 29 days earlier, "-000001-12-31", and statsRange compares days as strings: the 400-day
  // bound, daysBefore(to, 399) = "-000002-12-26", sorts after it ('2' > '1'), so a 30-day range is
  // refused as longer than 400 days. Either the range is answered or the day is refused for what
  // it is; the message given is false.
  it('does not call the default 30 days longer than 400', async () => {
    const t = await startApp();
    try {
      const response = await t.get('/coupons/ANY/stats?to=0000-01-29');
      const answered =
        response.status === 200
          ? `${(response.body as { days: unknown[] }).days.length} days`
          : (response.body as { message: string[] }).message.join('; ');
      expect(answered).not.toBe('from and to may span at most 400 days');
    } finally {
      await t.close();
    }
  });
});
