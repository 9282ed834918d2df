import { randomBytes } from 'node:crypto';
import type { Coupon } from '../domain/coupon.js';

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
  /** Sorted by code. */
  abstract list(offset: number, limit: number): Promise<Page<Coupon>>;
  /** Writes `coupon` with the next version if the stored one is still the one read (born, version). */
  abstract save(coupon: Coupon, expected: Pick<Coupon, 'born' | 'version'>): Promise<SaveResult>;
  /** Removes the coupon with its usage; kept outcomes stay until their TTL. False when there was none. */
  abstract delete(code: string): Promise<boolean>;
}
