import type { Coupon } from '../../domain/coupon.js';
import { isSameCoupon } from '../../domain/ledger.js';
import { CouponRepository, newBirthId, type Page, type SaveResult } from '../coupon.repository.js';
import { CouponUsage, copyCoupon, type MemoryData } from './data.memory.js';

/**
 * The coupon map is its own index: create, delete and list each run to the end without awaiting,
 * so none interleaves with another (no equivalent of the Redis index race, coupons.redis.ts).
 */
export class MemoryCouponRepository extends CouponRepository {
  constructor(private readonly data: MemoryData) {
    super();
  }

  async create(coupon: Coupon): Promise<boolean> {
    if (this.data.coupons.has(coupon.code)) return false;
    const born = newBirthId();
    this.data.coupons.set(coupon.code, { ...copyCoupon(coupon), born, version: 1 });
    this.data.usage.set(coupon.code, new CouponUsage(born));
    return true;
  }

  async get(code: string): Promise<Coupon | undefined> {
    const coupon = this.data.coupons.get(code);
    return coupon && copyCoupon(coupon);
  }

  async list(offset: number, limit: number, prefix = ''): Promise<Page<Coupon>> {
    const codes = [...this.data.coupons.keys()].filter((code) => code.startsWith(prefix)).sort();
    const items = codes
      .slice(offset, offset + limit)
      .map((code) => copyCoupon(this.data.coupons.get(code)!));
    return { items, total: codes.length };
  }

  async save(coupon: Coupon, expected: Pick<Coupon, 'born' | 'version'>): Promise<SaveResult> {
    const stored = this.data.coupons.get(coupon.code);
    if (!stored) return 'not-found';
    if (!isSameCoupon(stored, expected)) return 'conflict';
    this.data.coupons.set(coupon.code, {
      ...copyCoupon(coupon),
      born: stored.born,
      version: stored.version + 1,
    });
    return 'saved';
  }

  async delete(code: string): Promise<boolean> {
    this.data.usage.delete(code);
    return this.data.coupons.delete(code);
  }
}
