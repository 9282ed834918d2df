import { randomBytes } from 'node:crypto';
import type { Coupon } from '../domain/coupon.js';
import { placeCode, splitUniqueCode, type PlacedCode } from '../domain/unique-codes.js';

export interface Page<T> {
  items: T[];
  total: number;
}

/** A coupon's birth id: 64 random bits, never repeated in practice, not even after data loss. */
export const newBirthId = () => randomBytes(8).toString('hex');

export type SaveResult = 'saved' | 'not-found' | 'conflict';

/** Coupons by code. */
export abstract class CouponRepository {
  /**
   * False when the code is taken. The store gives the coupon a new random birth id and version 1,
   * ignoring those passed: a coupon's identity (born, version) never repeats.
   */
  abstract create(coupon: Coupon): Promise<boolean>;
  abstract get(code: string): Promise<Coupon | undefined>;
  /** Sorted by code; with `prefix` (upper-case), only the codes that start with it. */
  abstract list(offset: number, limit: number, prefix?: string): Promise<Page<Coupon>>;
  /** Writes `coupon` with the next version if the stored one is still the one read (born, version). */
  abstract save(coupon: Coupon, expected: Pick<Coupon, 'born' | 'version'>): Promise<SaveResult>;
  /** Removes the coupon with its usage; kept outcomes stay until their TTL. False when there was none. */
  abstract delete(code: string): Promise<boolean>;
}

/** The coupon a submitted code belongs to, and where it is among its unique codes if it is one. */
export interface CodeOwner {
  coupon: Coupon;
  uniqueCode?: PlacedCode;
}

/**
 * Finds the coupon of a normalised code: a unique code of a coupon when its body checks out under
 * that coupon's secret and falls in one of its batches, else the coupon of that very code. A
 * forged body finds nothing (unless a coupon bears the whole code), like any unknown code.
 */
export async function findCodeOwner(
  coupons: Pick<CouponRepository, 'get'>,
  code: string,
): Promise<CodeOwner | undefined> {
  const split = splitUniqueCode(code);
  if (split) {
    const coupon = await coupons.get(split.coupon);
    const uniqueCode = coupon && placeCode(coupon.code, coupon.codes, code);
    if (uniqueCode) return { coupon: coupon!, uniqueCode };
  }
  const coupon = await coupons.get(code);
  return coupon && { coupon };
}
