import {
  dayStats,
  daysFrom,
  statsFields,
  statsRange,
  totalStats,
  STATS_MAX_DAYS,
} from './stats.js';

describe('statistics', () => {
  it.each([
    ['accepted', undefined, ['accepted']],
    ['rejected', 'USER_DAILY_LIMIT_REACHED', ['rejected', 'r:USER_DAILY_LIMIT_REACHED']],
    ['rolled-back', undefined, ['rolled-back']],
    ['expired', undefined, ['expired']],
  ] as const)('counts a %s step (reason %s) in %j', (status, reason, fields) => {
    expect(statsFields(status, reason)).toEqual(fields);
  });

  it('reads stored fields as a day, unknown fields ignored and missing ones 0', () => {
    expect(
      dayStats('2026-12-02', {
        accepted: 3,
        'rolled-back': 1,
        rejected: 2,
        'r:COUPON_EXPIRED': 2,
        future: 9,
      }),
    ).toEqual({
      day: '2026-12-02',
      accepted: 3,
      confirmed: 0,
      rejected: 2,
      rolledBack: 1,
      reserved: 0,
      released: 0,
      expired: 0,
      reasons: { COUPON_EXPIRED: 2 },
    });
  });

  it('sums days, reasons by name', () => {
    const a = dayStats('2026-12-01', { accepted: 1, rejected: 1, 'r:X': 1 });
    const b = dayStats('2026-12-02', { accepted: 2, rejected: 2, 'r:X': 1, 'r:Y': 1 });
    expect(totalStats([a, b])).toMatchObject({ accepted: 3, rejected: 3, reasons: { X: 2, Y: 1 } });
  });

  it('lists days across month and leap-year ends', () => {
    expect(daysFrom('2028-02-28', '2028-03-01')).toEqual([
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
    expect(daysFrom('2026-12-31', '2027-01-01')).toEqual(['2026-12-31', '2027-01-01']);
    expect(daysFrom('2026-12-02', '2026-12-02')).toEqual(['2026-12-02']);
  });

  it.each([
    [{}, { from: '2026-11-03', to: '2026-12-02' }],
    [{ to: '2026-01-10' }, { from: '2025-12-12', to: '2026-01-10' }],
    [{ from: '2026-12-01' }, { from: '2026-12-01', to: '2026-12-02' }],
    [
      { from: '2025-10-29', to: '2026-12-02' },
      { from: '2025-10-29', to: '2026-12-02' },
    ],
    [
      { from: '2025-10-28', to: '2026-12-02' },
      `from and to may span at most ${STATS_MAX_DAYS} days`,
    ],
    [
      { from: '2026-12-03', to: '2026-12-02' },
      'from (2026-12-03) must not be after to (2026-12-02)',
    ],
  ])('reads the range %j as %j on 2026-12-02', (query, expected) => {
    expect(statsRange(query, '2026-12-02')).toEqual(expected);
  });
});
