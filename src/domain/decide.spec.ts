import { NO_USAGE, UNLIMITED, type Coupon, type RepeatCounts, type UsageCounts } from './coupon.js';
import { decide, type Decision } from './decide.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

function coupon(overrides: Partial<Coupon> = {}, limits: Partial<RepeatCounts> = {}): Coupon {
  return {
    code: 'SAVE10',
    discountPercentage: 10,
    startsAt: null,
    expiresAt: Date.parse('2026-12-31T23:59:59.999Z'),
    active: true,
    description: null,
    repeatCounts: { ...UNLIMITED, ...limits },
    createdAt: NOW,
    updatedAt: NOW,
    born: 'b1',
    version: 1,
    ...overrides,
  };
}

const used = (counts: Partial<UsageCounts>): UsageCounts => ({ ...NO_USAGE, ...counts });
const accepted: Decision = { status: 'accepted' };
const rejected = (reason: string) => ({ status: 'rejected', reason });

describe('decide', () => {
  const cases: [string, Parameters<typeof decide>[0], Decision | ReturnType<typeof rejected>][] = [
    [
      'unknown coupon',
      { coupon: undefined, userKnown: true, used: NO_USAGE, now: NOW },
      rejected('COUPON_NOT_FOUND'),
    ],
    [
      'inactive coupon',
      { coupon: coupon({ active: false }), userKnown: true, used: NO_USAGE, now: NOW },
      rejected('COUPON_INACTIVE'),
    ],
    [
      'one ms before start',
      { coupon: coupon({ startsAt: NOW + 1 }), userKnown: true, used: NO_USAGE, now: NOW },
      rejected('COUPON_NOT_STARTED'),
    ],
    [
      'exactly at start',
      { coupon: coupon({ startsAt: NOW }), userKnown: true, used: NO_USAGE, now: NOW },
      accepted,
    ],
    [
      'exactly at the last valid instant',
      { coupon: coupon({ expiresAt: NOW }), userKnown: true, used: NO_USAGE, now: NOW },
      accepted,
    ],
    [
      'one ms after expiry',
      { coupon: coupon({ expiresAt: NOW - 1 }), userKnown: true, used: NO_USAGE, now: NOW },
      rejected('COUPON_EXPIRED'),
    ],
    [
      'unknown user',
      { coupon: coupon(), userKnown: false, used: NO_USAGE, now: NOW },
      rejected('USER_NOT_FOUND'),
    ],
    [
      'global limit reached',
      {
        coupon: coupon({}, { globalTotal: 5 }),
        userKnown: true,
        used: used({ globalTotal: 5 }),
        now: NOW,
      },
      rejected('GLOBAL_LIMIT_REACHED'),
    ],
    [
      'one below the global limit',
      {
        coupon: coupon({}, { globalTotal: 5 }),
        userKnown: true,
        used: used({ globalTotal: 4 }),
        now: NOW,
      },
      accepted,
    ],
    [
      'user total reached',
      {
        coupon: coupon({}, { userTotal: 2 }),
        userKnown: true,
        used: used({ userTotal: 2 }),
        now: NOW,
      },
      rejected('USER_TOTAL_LIMIT_REACHED'),
    ],
    [
      'user weekly reached',
      {
        coupon: coupon({}, { userWeekly: 3 }),
        userKnown: true,
        used: used({ userWeekly: 3 }),
        now: NOW,
      },
      rejected('USER_WEEKLY_LIMIT_REACHED'),
    ],
    [
      'user daily reached',
      {
        coupon: coupon({}, { userDaily: 1 }),
        userKnown: true,
        used: used({ userDaily: 1 }),
        now: NOW,
      },
      rejected('USER_DAILY_LIMIT_REACHED'),
    ],
    [
      'limit 0 refuses the first use',
      { coupon: coupon({}, { userDaily: 0 }), userKnown: true, used: NO_USAGE, now: NOW },
      rejected('USER_DAILY_LIMIT_REACHED'),
    ],
    [
      'count above a lowered limit',
      {
        coupon: coupon({}, { userTotal: 1 }),
        userKnown: true,
        used: used({ userTotal: 7 }),
        now: NOW,
      },
      rejected('USER_TOTAL_LIMIT_REACHED'),
    ],
    [
      'null limits are unlimited',
      {
        coupon: coupon(),
        userKnown: true,
        used: used({ globalTotal: 2 ** 31, userTotal: 1e6, userWeekly: 1e6, userDaily: 1e6 }),
        now: NOW,
      },
      accepted,
    ],
    // Order of reasons: each case makes every later rule fail too.
    [
      'inactive beats not started',
      {
        coupon: coupon({ active: false, startsAt: NOW + 1 }),
        userKnown: false,
        used: NO_USAGE,
        now: NOW,
      },
      rejected('COUPON_INACTIVE'),
    ],
    [
      'not started beats expired',
      {
        coupon: coupon({ startsAt: NOW + 1, expiresAt: NOW - 1 }),
        userKnown: false,
        used: NO_USAGE,
        now: NOW,
      },
      rejected('COUPON_NOT_STARTED'),
    ],
    [
      'expired beats unknown user',
      { coupon: coupon({ expiresAt: NOW - 1 }), userKnown: false, used: NO_USAGE, now: NOW },
      rejected('COUPON_EXPIRED'),
    ],
    [
      'unknown user beats limits',
      { coupon: coupon({}, { globalTotal: 0 }), userKnown: false, used: NO_USAGE, now: NOW },
      rejected('USER_NOT_FOUND'),
    ],
    [
      'a revoked code beats an inactive coupon',
      {
        coupon: coupon({ active: false }),
        userKnown: false,
        used: NO_USAGE,
        now: NOW,
        code: { used: 5, revoked: true, limit: 1 },
      },
      rejected('CODE_REVOKED'),
    ],
    [
      'unknown user beats a spent code',
      {
        coupon: coupon(),
        userKnown: false,
        used: NO_USAGE,
        now: NOW,
        code: { used: 1, revoked: false, limit: 1 },
      },
      rejected('USER_NOT_FOUND'),
    ],
    [
      'a spent code beats the global limit',
      {
        coupon: coupon({}, { globalTotal: 0 }),
        userKnown: true,
        used: NO_USAGE,
        now: NOW,
        code: { used: 1, revoked: false, limit: 1 },
      },
      rejected('CODE_LIMIT_REACHED'),
    ],
    [
      'a code with uses left, or unlimited, leaves the counters to decide',
      {
        coupon: coupon({}, { userTotal: 0 }),
        userKnown: true,
        used: NO_USAGE,
        now: NOW,
        code: { used: 7, revoked: false, limit: null },
      },
      rejected('USER_TOTAL_LIMIT_REACHED'),
    ],
    [
      'global beats user total',
      {
        coupon: coupon({}, { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 }),
        userKnown: true,
        used: NO_USAGE,
        now: NOW,
      },
      rejected('GLOBAL_LIMIT_REACHED'),
    ],
    [
      'user total beats weekly',
      {
        coupon: coupon({}, { userTotal: 0, userWeekly: 0, userDaily: 0 }),
        userKnown: true,
        used: NO_USAGE,
        now: NOW,
      },
      rejected('USER_TOTAL_LIMIT_REACHED'),
    ],
    [
      'weekly beats daily',
      {
        coupon: coupon({}, { userWeekly: 0, userDaily: 0 }),
        userKnown: true,
        used: NO_USAGE,
        now: NOW,
      },
      rejected('USER_WEEKLY_LIMIT_REACHED'),
    ],
  ];

  it.each(cases)('%s', (_name, input, expected) => {
    expect(decide(input)).toEqual(expected);
  });
});
