import {
  confirmedWindows,
  expiryOrder,
  heldCounts,
  holdSupersedes,
  holdVerdict,
  isLive,
  releases,
  reserveVerdict,
  usedOrHeld,
  type Hold,
} from './holds.js';
import type { KeptOutcome } from './ledger.js';
import { NOTHING_REMAINING, type RedemptionOutcome } from './outcome.js';

const NOW = 1_000_000;
const TODAY = { day: '2026-11-25', week: '2026-W48' };
const YESTERDAY = { day: '2026-11-24', week: '2026-W48' };
const LAST_WEEK = { day: '2026-11-22', week: '2026-W47' };

const hold = (overrides: Partial<Hold> = {}): Hold => ({
  orderId: 'o1',
  userId: 'alice',
  periods: TODAY,
  reservedAt: NOW - 1000,
  expiresAt: NOW + 1000,
  remaining: NOTHING_REMAINING,
  ...overrides,
});

const kept = (
  overrides: Partial<KeptOutcome> = {},
  outcome: Partial<RedemptionOutcome> = {},
): KeptOutcome => ({
  outcome: {
    status: 'accepted',
    couponCode: 'AAA',
    userId: 'alice',
    orderId: 'o1',
    remaining: NOTHING_REMAINING,
    processedAt: new Date(NOW).toISOString(),
    ...outcome,
  },
  decidedBy: 'job-1@1',
  keptUntil: NOW + 5000,
  ...overrides,
});

describe('isLive', () => {
  it('counts a hold strictly before its expiry', () => {
    expect(isLive(hold(), NOW + 999)).toBe(true);
    expect(isLive(hold(), NOW + 1000)).toBe(false);
    expect(isLive(undefined, NOW)).toBe(false);
  });
});

describe('reserveVerdict', () => {
  const alice = { userId: 'alice' };
  it.each<[string, Hold | undefined, KeptOutcome | undefined, object, string]>([
    ['nothing held or kept', undefined, undefined, alice, 'decide'],
    ['its holder again', hold(), undefined, alice, 'replay'],
    ['another user', hold(), undefined, { userId: 'bob' }, 'conflict'],
    ['another unique code', hold({ uniqueCode: 'AAA-X' }), undefined, alice, 'conflict'],
    [
      'the same unique code',
      hold({ uniqueCode: 'AAA-X' }),
      undefined,
      { ...alice, uniqueCode: 'AAA-X' },
      'replay',
    ],
    ['an expired hold', hold({ expiresAt: NOW }), undefined, { userId: 'bob' }, 'decide'],
    ['a standing redemption', undefined, kept(), alice, 'conflict'],
    [
      'a rolled-back redemption',
      undefined,
      kept({
        rollback: {
          by: 'x',
          restored: { globalTotal: true, userTotal: true, userWeekly: true, userDaily: true },
        },
      }),
      alice,
      'decide',
    ],
    [
      'a kept refusal',
      undefined,
      kept({}, { status: 'rejected', reason: 'GLOBAL_LIMIT_REACHED' }),
      alice,
      'decide',
    ],
    ['a redemption no longer kept', undefined, kept({ keptUntil: NOW }), alice, 'decide'],
  ])('%s', (_name, live, record, request, expected) => {
    expect(reserveVerdict(live, record, request as { userId: string }, NOW)).toBe(expected);
  });

  it('answers a publication that made a hold before with that hold, even once it has ended', () => {
    const made = hold({ expiresAt: NOW - 1 });
    expect(reserveVerdict(undefined, undefined, alice, NOW, made)).toBe('rerun');
    expect(reserveVerdict(hold({ userId: 'bob' }), kept(), alice, NOW, made)).toBe('rerun');
  });
});

describe('holdSupersedes', () => {
  it('ends a refusal kept for the order, nothing else', () => {
    const refusal = kept({}, { status: 'rejected', reason: 'GLOBAL_LIMIT_REACHED' });
    expect(holdSupersedes(refusal, NOW)).toBe(true);
    expect(holdSupersedes(kept(), NOW)).toBe(false);
    expect(holdSupersedes({ ...refusal, keptUntil: NOW }, NOW)).toBe(false);
    expect(holdSupersedes(undefined, NOW)).toBe(false);
  });
});

describe('holdVerdict', () => {
  const request = { userId: 'alice', publication: 'job-2@2' };
  it('lets the holder confirm and refuses anyone else', () => {
    expect(holdVerdict(hold(), undefined, request, NOW)).toBe('confirm');
    expect(holdVerdict(hold(), undefined, { ...request, userId: 'bob' }, NOW)).toBe('conflict');
    expect(holdVerdict(hold(), undefined, { ...request, uniqueCode: 'AAA-X' }, NOW)).toBe(
      'conflict',
    );
  });

  it('leaves the decision to redeemVerdict without a live hold', () => {
    expect(holdVerdict(undefined, kept(), request, NOW)).toBeUndefined();
    expect(holdVerdict(hold({ expiresAt: NOW }), undefined, request, NOW)).toBeUndefined();
  });

  it('lets the publication that decided what is kept replay it, hold or not', () => {
    const refusal = kept({ decidedBy: 'job-2@2' }, { status: 'rejected' });
    expect(holdVerdict(hold(), refusal, request, NOW)).toBeUndefined();
    // A refusal kept by another publication does not shadow the hold.
    expect(holdVerdict(hold(), kept({}, { status: 'rejected' }), request, NOW)).toBe('confirm');
    // Nor does an unknown publication.
    expect(holdVerdict(hold(), kept({ decidedBy: '' }), { ...request, publication: '' }, NOW)).toBe(
      'confirm',
    );
  });
});

describe('releases', () => {
  it('frees only its user’s live hold, named by the coupon or by the hold’s own code', () => {
    expect(releases(hold(), { userId: 'alice' }, NOW)).toBe(true);
    expect(releases(hold(), { userId: 'bob' }, NOW)).toBe(false);
    expect(releases(hold({ expiresAt: NOW }), { userId: 'alice' }, NOW)).toBe(false);
    expect(releases(undefined, { userId: 'alice' }, NOW)).toBe(false);
    const onCode = hold({ uniqueCode: 'AAA-X' });
    expect(releases(onCode, { userId: 'alice' }, NOW)).toBe(true);
    expect(releases(onCode, { userId: 'alice', uniqueCode: 'AAA-X' }, NOW)).toBe(true);
    expect(releases(onCode, { userId: 'alice', uniqueCode: 'AAA-Y' }, NOW)).toBe(false);
    expect(releases(hold(), { userId: 'alice', uniqueCode: 'AAA-X' }, NOW)).toBe(false);
  });
});

describe('confirmedWindows', () => {
  it('counts in the windows still the hold’s', () => {
    expect(confirmedWindows(hold(), TODAY)).toEqual({ day: true, week: true });
    expect(confirmedWindows(hold({ periods: YESTERDAY }), TODAY)).toEqual({
      day: false,
      week: true,
    });
    expect(confirmedWindows(hold({ periods: LAST_WEEK }), TODAY)).toEqual({
      day: false,
      week: false,
    });
  });
});

describe('heldCounts and usedOrHeld', () => {
  it('holds every live hold globally and the user’s own in the windows they were made in', () => {
    const held = heldCounts(
      5,
      [hold(), hold({ periods: YESTERDAY }), hold({ periods: LAST_WEEK })],
      TODAY,
    );
    expect(held).toEqual({ globalTotal: 5, userTotal: 3, userWeekly: 2, userDaily: 1 });
    expect(
      usedOrHeld({ globalTotal: 10, userTotal: 1, userWeekly: 1, userDaily: 0 }, held),
    ).toEqual({ globalTotal: 15, userTotal: 4, userWeekly: 3, userDaily: 1 });
  });
});

describe('expiryOrder', () => {
  const hold = (orderId: string, expiresAt = 1) => ({ orderId, expiresAt }) as Hold;
  it('orders by expiry, then by order id in code point order (as Redis orders UTF-8 bytes)', () => {
    const ids = ['b', 'a', '\u{1F600}', '\uFF5E', 'ab', '\uE000'];
    expect(
      ids
        .map((id) => hold(id))
        .sort(expiryOrder)
        .map((h) => h.orderId),
    ).toEqual(['a', 'ab', 'b', '\uE000', '\uFF5E', '\u{1F600}']);
    expect(expiryOrder(hold('z', 1), hold('a', 2))).toBeLessThan(0);
  });
});
