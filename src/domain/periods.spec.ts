import { couponDateToInstant, formatInZone, isCouponDate, periodsAt } from './periods.js';

const at = (iso: string) => Date.parse(iso);

describe('periodsAt', () => {
  it.each([
    // UTC
    ['2026-11-25T23:59:59.999Z', 'UTC', '2026-11-25', '2026-W48'],
    ['2026-11-26T00:00:00.000Z', 'UTC', '2026-11-26', '2026-W48'],
    // New York: the local day turns at 05:00 UTC in winter
    ['2026-11-26T04:59:59.999Z', 'America/New_York', '2026-11-25', '2026-W48'],
    ['2026-11-26T05:00:00.000Z', 'America/New_York', '2026-11-26', '2026-W48'],
    // Berlin: Sunday 23:59 local is still last week, Monday 00:00 local is the new one
    ['2026-11-29T22:59:59.999Z', 'Europe/Berlin', '2026-11-29', '2026-W48'],
    ['2026-11-29T23:00:00.000Z', 'Europe/Berlin', '2026-11-30', '2026-W49'],
    // ISO weeks at a year end: 2026-12-31 is in 2026-W53, 2027-01-04 starts 2027-W01
    ['2026-12-31T12:00:00Z', 'UTC', '2026-12-31', '2026-W53'],
    ['2027-01-03T23:59:59.999Z', 'UTC', '2027-01-03', '2026-W53'],
    ['2027-01-04T00:00:00Z', 'UTC', '2027-01-04', '2027-W01'],
    // DST change days of 2026: the local day still turns at local midnight
    ['2026-03-08T04:59:59.999Z', 'America/New_York', '2026-03-07', '2026-W10'],
    ['2026-03-08T05:00:00.000Z', 'America/New_York', '2026-03-08', '2026-W10'],
    ['2026-03-09T03:59:59.999Z', 'America/New_York', '2026-03-08', '2026-W10'],
    ['2026-03-09T04:00:00.000Z', 'America/New_York', '2026-03-09', '2026-W11'],
    ['2026-11-01T03:59:59.999Z', 'America/New_York', '2026-10-31', '2026-W44'],
    ['2026-11-01T04:00:00.000Z', 'America/New_York', '2026-11-01', '2026-W44'],
    ['2026-11-02T04:59:59.999Z', 'America/New_York', '2026-11-01', '2026-W44'],
    ['2026-11-02T05:00:00.000Z', 'America/New_York', '2026-11-02', '2026-W45'],
    ['2026-03-28T22:59:59.999Z', 'Europe/Berlin', '2026-03-28', '2026-W13'],
    ['2026-03-28T23:00:00.000Z', 'Europe/Berlin', '2026-03-29', '2026-W13'],
    ['2026-03-29T21:59:59.999Z', 'Europe/Berlin', '2026-03-29', '2026-W13'],
    ['2026-03-29T22:00:00.000Z', 'Europe/Berlin', '2026-03-30', '2026-W14'],
    ['2026-10-24T21:59:59.999Z', 'Europe/Berlin', '2026-10-24', '2026-W43'],
    ['2026-10-24T22:00:00.000Z', 'Europe/Berlin', '2026-10-25', '2026-W43'],
    ['2026-10-25T22:59:59.999Z', 'Europe/Berlin', '2026-10-25', '2026-W43'],
    ['2026-10-25T23:00:00.000Z', 'Europe/Berlin', '2026-10-26', '2026-W44'],
    // Tokyo is ahead of UTC: its Monday starts on Sunday 15:00 UTC
    ['2026-11-29T15:00:00Z', 'Asia/Tokyo', '2026-11-30', '2026-W49'],
  ])('%s in %s is day %s, week %s', (instant, zone, day, week) => {
    expect(periodsAt(at(instant), zone)).toEqual({ day, week });
  });

  it('does not reuse the day it looked up last for an instant just outside it, on either side', () => {
    const zone = 'Europe/Berlin';
    expect(periodsAt(at('2026-03-29T12:00:00Z'), zone).day).toBe('2026-03-29');
    expect(periodsAt(at('2026-03-28T22:59:59.999Z'), zone).day).toBe('2026-03-28');
    expect(periodsAt(at('2026-03-29T12:00:00Z'), zone).day).toBe('2026-03-29');
    expect(periodsAt(at('2026-03-29T22:00:00.000Z'), zone)).toEqual({
      day: '2026-03-30',
      week: '2026-W14',
    });
    expect(periodsAt(at('2026-03-29T21:59:59.999Z'), zone).week).toBe('2026-W13');
  });
});

describe('coupon dates', () => {
  it('reads a bare expiry date as valid through the end of that day in the zone', () => {
    const end = couponDateToInstant('2026-11-30', 'America/New_York', 'end');
    expect(new Date(end).toISOString()).toBe('2026-12-01T04:59:59.999Z');
    expect(formatInZone(end, 'America/New_York')).toBe('2026-11-30T23:59:59.999-05:00');
  });

  it('reads a bare start date as the first instant of that day in the zone', () => {
    const start = couponDateToInstant('2026-11-30', 'Europe/Berlin', 'start');
    expect(new Date(start).toISOString()).toBe('2026-11-29T23:00:00.000Z');
  });

  it('keeps a date-time with an offset as the instant it names', () => {
    expect(couponDateToInstant('2026-12-01T10:00:00+01:00', 'America/New_York', 'end')).toBe(
      at('2026-12-01T09:00:00Z'),
    );
  });

  it.each([
    '2026-02-30',
    '2026-13-01',
    '2026-12-01T10:00:00',
    '01/12/2026',
    '2026-12-01T25:00Z',
    '',
  ])('refuses %p', (input) => expect(isCouponDate(input)).toBe(false));
});
