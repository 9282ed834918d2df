import {
  DEMO_LIMITS,
  formatReport,
  GUEST_EVERY,
  runDemo,
  type DemoReport,
} from '../src/demo/run-demo.js';
import { uniquePrefix } from './helpers.js';

describe('the demo (200 redemptions by 10 users, in-process service)', () => {
  let report: DemoReport;
  beforeAll(async () => {
    // No redisUrl: the demo runs its own embedded redis-server and stops it, so nothing is left
    // behind (its own cleanup on a shared Redis would SCAN the whole keyspace).
    report = await runDemo({
      queuePrefix: uniquePrefix(),
      storePrefix: uniquePrefix(),
      logLevel: 'silent',
      redemptions: 200,
      users: 10,
      inFlight: 20,
    });
  }, 60_000);

  it('decides every redemption once, within the limits, and the counts agree', () => {
    const sum = Object.values(report.outcomes).reduce((total, n) => total + n, 0);
    expect(sum).toBe(200);
    expect(report.outcomes.accepted).toBe(report.accepted);
    // 10 users with 20 draws each on average: the daily limit refuses some, and the guests'
    // orders are refused; the global limit is never reached.
    expect(Object.keys(report.outcomes).sort()).toEqual([
      'USER_DAILY_LIMIT_REACHED',
      'USER_NOT_FOUND',
      'accepted',
    ]);
    expect(report.outcomes.USER_NOT_FOUND).toBe(200 / GUEST_EVERY);
    expect(report.accepted).toBeLessThanOrEqual(10 * DEMO_LIMITS.userDaily);
    expect(report.final.usersTotalUsed).toBe(report.final.globalUsed);
    expect(report.final.globalRemaining).toBe(DEMO_LIMITS.globalTotal - report.final.globalUsed);
    expect(report.republished.orders).toBe(20);
    expect(report.republished.sameOutcome).toBe(20);
    expect(formatReport(report)).toContain(`Redemptions: 200`);
  });

  it('rolls back every 10th accepted order and the coupon counts them back', () => {
    const expected = Math.floor(report.accepted / 10);
    expect(report.rollbacks).toEqual({
      'rolled-back': expected,
      'already-rolled-back': 1,
      'rejected REDEMPTION_NOT_FOUND': 1,
    });
    expect(report.rolledBack).toBe(expected);
    expect(report.final.globalUsed).toBe(report.accepted - report.rolledBack);
    expect(report.problems).toEqual([]);
    expect(formatReport(report)).toContain('Consistent.');
  });
});
