import {
  countersToGiveBack,
  countingPeriods,
  earlierRollback,
  isSameCoupon,
  NOTHING_RESTORED,
  redeemVerdict,
  resetFrees,
  rollbacksToCarry,
  rollbackVerdict,
  standingOutcome,
  windowCount,
  type KeptOutcome,
} from './ledger.js';
import { NOTHING_REMAINING, type RedemptionOutcome } from './outcome.js';

const NOW = 1_000_000;
const TODAY = { day: '2026-11-25', week: '2026-W48' };

function kept(overrides: Partial<KeptOutcome> = {}, outcome: Partial<RedemptionOutcome> = {}) {
  return {
    outcome: {
      status: 'accepted',
      couponCode: 'AAA',
      userId: 'alice',
      orderId: 'o1',
      remaining: NOTHING_REMAINING,
      processedAt: new Date(NOW).toISOString(),
      ...outcome,
    },
    decidedBy: 'job@1',
    keptUntil: NOW + 1,
    counted: { born: 'b1', periods: TODAY },
    ...overrides,
  } as KeptOutcome;
}

const alice = (publication = 'job@2') => ({ userId: 'alice', publication });
const rolledBack = (by = 'rb@1') => ({ rollback: { by, restored: NOTHING_RESTORED } });

describe('ledger policy', () => {
  it.each([
    ['nothing kept', undefined, alice(), 'decide'],
    ['kept past its TTL', kept({ keptUntil: NOW }), alice(), 'decide'],
    ['the same user again', kept(), alice(), 'replay'],
    ['another user', kept(), { userId: 'bob', publication: 'job@2' }, 'conflict'],
    ['a unique code of the coupon', kept(), { ...alice(), uniqueCode: 'C-X' }, 'conflict'],
    [
      'the unique code it was decided with',
      kept({}, { couponCode: 'C-X', coupon: 'C' }),
      { ...alice(), uniqueCode: 'C-X' },
      'replay',
    ],
    [
      'another unique code of the coupon',
      kept({}, { couponCode: 'C-X', coupon: 'C' }),
      { ...alice(), uniqueCode: 'C-Y' },
      'conflict',
    ],
    ['the coupon’s own code', kept({}, { couponCode: 'C-X', coupon: 'C' }), alice(), 'conflict'],
    [
      'a rejection for another user',
      kept({}, { status: 'rejected' }),
      { userId: 'bob', publication: 'x' },
      'conflict',
    ],
    ['rolled back, a new publish', kept(rolledBack()), alice('job@2'), 'decide'],
    ['rolled back, the deciding job run again', kept(rolledBack()), alice('job@1'), 'replay'],
    [
      'rolled back, publication unknown',
      kept({ ...rolledBack(), decidedBy: '' }),
      alice(''),
      'decide',
    ],
  ] as const)('redeemVerdict: %s', (_, record, request, verdict) => {
    expect(redeemVerdict(record, request, NOW)).toBe(verdict);
  });

  it.each([
    ['nothing kept', undefined, alice(), 'not-found'],
    ['kept past its TTL', kept({ keptUntil: NOW }), alice(), 'not-found'],
    ['a rejection', kept({}, { status: 'rejected' }), alice(), 'not-found'],
    ['another user’s', kept(), { userId: 'bob', publication: 'x' }, 'not-found'],
    ['an accepted redemption', kept(), alice(), 'apply'],
    ['rolled back by this publication', kept(rolledBack('rb@1')), alice('rb@1'), 'replay'],
    ['rolled back by another', kept(rolledBack('rb@1')), alice('rb@2'), 'already'],
    ['rolled back, publication unknown', kept(rolledBack('')), alice(''), 'already'],
    [
      'an earlier decision rolled back by this publication',
      kept({ earlierRollbacks: { 'rb@1': NOTHING_RESTORED } }),
      alice('rb@1'),
      'replay',
    ],
  ] as const)('rollbackVerdict: %s', (_, record, request, verdict) => {
    expect(rollbackVerdict(record, request, NOW)).toBe(verdict);
  });

  it('tells a coupon read earlier from one changed or created again since', () => {
    expect(isSameCoupon({ born: 'b1', version: 2 }, { born: 'b1', version: 2 })).toBe(true);
    expect(isSameCoupon({ born: 'b1', version: 3 }, { born: 'b1', version: 2 })).toBe(false);
    expect(isSameCoupon({ born: 'b2', version: 2 }, { born: 'b1', version: 2 })).toBe(false);
    expect(isSameCoupon(undefined, { born: 'b1', version: 2 })).toBe(false);
  });

  it('lets an outcome stand while kept and not rolled back', () => {
    expect(standingOutcome(kept(), NOW)).toEqual(kept().outcome);
    expect(standingOutcome(kept({ keptUntil: NOW }), NOW)).toBeUndefined();
    expect(standingOutcome(kept(rolledBack()), NOW)).toBeUndefined();
    expect(standingOutcome(undefined, NOW)).toBeUndefined();
  });

  it('reads a window count as 0 in a later period than it was counted in', () => {
    expect(windowCount(3, '2026-11-25', '2026-11-25')).toBe(3);
    expect(windowCount(3, '2026-11-25', '2026-11-26')).toBe(0);
    expect(windowCount(3, '2026-W48', '2026-W47')).toBe(3);
  });

  it('counts a request stamped with earlier periods in the newest ones', () => {
    expect(countingPeriods(TODAY, {})).toEqual(TODAY);
    expect(countingPeriods(TODAY, { day: '2026-11-24', week: '2026-W47' })).toEqual(TODAY);
    expect(countingPeriods(TODAY, { day: '2026-11-26' })).toEqual({ ...TODAY, day: '2026-11-26' });
    expect(countingPeriods(TODAY, { week: '2026-W49' })).toEqual({ ...TODAY, week: '2026-W49' });
  });

  it('gives back totals always and window counts only in their own period, on the same coupon only', () => {
    const NO_RESETS = { day: 0, week: 0 };
    const counted = { born: 'b1', periods: TODAY, resets: NO_RESETS };
    const b1 = { born: 'b1', resets: NO_RESETS };
    expect(countersToGiveBack(counted, b1, TODAY)).toEqual({
      globalTotal: true,
      userTotal: true,
      userWeekly: true,
      userDaily: true,
    });
    expect(countersToGiveBack(counted, b1, { ...TODAY, day: '2026-11-26' })).toEqual({
      globalTotal: true,
      userTotal: true,
      userWeekly: true,
      userDaily: false,
    });
    expect(countersToGiveBack(counted, b1, { day: '2026-11-30', week: '2026-W49' })).toMatchObject({
      userWeekly: false,
      userDaily: false,
    });
    // A manual reset of the day since: the use is gone from today's count already.
    expect(countersToGiveBack(counted, { born: 'b1', resets: { day: 1, week: 0 } }, TODAY)).toEqual(
      { globalTotal: true, userTotal: true, userWeekly: true, userDaily: false },
    );
    expect(countersToGiveBack(counted, { born: 'b2', resets: NO_RESETS }, TODAY)).toEqual(
      NOTHING_RESTORED,
    );
    expect(countersToGiveBack(counted, undefined, TODAY)).toEqual(NOTHING_RESTORED);
  });

  it('remembers every rollback of an order across new decisions of it', () => {
    const restored = { ...NOTHING_RESTORED, globalTotal: true };
    const first = kept({ rollback: { by: 'rb@1', restored } });
    const carried = rollbacksToCarry(first);
    expect(carried).toEqual({ 'rb@1': restored });
    const second = kept({ decidedBy: 'job@9', earlierRollbacks: carried });
    expect(earlierRollback(second, 'rb@1', NOW)).toEqual(restored);
    expect(rollbackVerdict(second, { userId: 'bob', publication: 'rb@1' }, NOW)).toBe('replay');
    expect(rollbackVerdict(second, alice('rb@2'), NOW)).toBe('apply');
    expect(rollbacksToCarry(kept({ rollback: { by: '', restored } }))).toEqual({});
    expect(rollbacksToCarry(undefined)).toBeUndefined();
  });

  it('frees ended periods on schedule and the current one too on demand', () => {
    expect(resetFrees('2026-11-24', '2026-11-25', false)).toBe(true);
    expect(resetFrees('2026-11-25', '2026-11-25', false)).toBe(false);
    expect(resetFrees('2026-11-25', '2026-11-25', true)).toBe(true);
    expect(resetFrees('2026-11-26', '2026-11-25', true)).toBe(false);
  });
});
