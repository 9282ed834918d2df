import { couponStatus, type Coupon, type CouponStatus } from './coupon.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('couponStatus', () => {
  const cases: [string, Pick<Coupon, 'active' | 'startsAt' | 'expiresAt'>, CouponStatus][] = [
    ['no start, before expiry', { active: true, startsAt: null, expiresAt: NOW + 1 }, 'active'],
    ['exactly at start', { active: true, startsAt: NOW, expiresAt: NOW + 1 }, 'active'],
    [
      'exactly at the last valid instant',
      { active: true, startsAt: null, expiresAt: NOW },
      'active',
    ],
    ['one ms before start', { active: true, startsAt: NOW + 1, expiresAt: NOW + 2 }, 'scheduled'],
    ['one ms after expiry', { active: true, startsAt: null, expiresAt: NOW - 1 }, 'expired'],
    [
      'after a start, after expiry',
      { active: true, startsAt: NOW - 2, expiresAt: NOW - 1 },
      'expired',
    ],
    ['inactive while running', { active: false, startsAt: null, expiresAt: NOW + 1 }, 'inactive'],
    ['inactive before start', { active: false, startsAt: NOW + 1, expiresAt: NOW + 2 }, 'inactive'],
    ['inactive after expiry', { active: false, startsAt: null, expiresAt: NOW - 1 }, 'inactive'],
  ];
  it.each(cases)('%s', (_name, coupon, status) => {
    expect(couponStatus(coupon, NOW)).toBe(status);
  });
});
