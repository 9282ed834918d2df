import { COUPON_CODE_PATTERN, type Coupon } from '../../domain/coupon.js';
import { CouponRepository, newBirthId, type Page, type SaveResult } from '../coupon.repository.js';
import type { RedisClient } from './client.redis.js';
import type { RedisKeys } from './keys.redis.js';
import type { RedisScripts } from './scripts.redis.js';

/** Coupons as hashes (keys.redis.ts), listed by a sorted set of codes. */
export class RedisCouponRepository extends CouponRepository {
  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: RedisScripts,
    private readonly keys: RedisKeys,
  ) {
    super();
  }

  async create(coupon: Coupon): Promise<boolean> {
    // Listed before it exists, so no crash or racing delete can leave a coupon out of the index;
    // an entry without a coupon is skipped when listing.
    // Two commands, not a pipeline: the two indexes are in different cluster slots.
    await Promise.all([
      this.redis.zadd(this.keys.couponIndex, 0, coupon.code),
      this.redis.zadd(this.keys.codeHistory, 0, coupon.code),
    ]);
    const created = await this.scripts.run(
      'createCoupon',
      [this.keys.coupon(coupon.code)],
      [couponData(coupon), newBirthId()],
    );
    return created === 1;
  }

  async get(code: string): Promise<Coupon | undefined> {
    if (!COUPON_CODE_PATTERN.test(code)) return undefined;
    const [data, born, version] = await this.redis.hmget(
      this.keys.coupon(code),
      'data',
      'born',
      'v',
    );
    return data && born && version
      ? {
          ...(JSON.parse(data) as Omit<Coupon, 'born' | 'version'>),
          born,
          version: Number(version),
        }
      : undefined;
  }

  list(offset: number, limit: number): Promise<Page<Coupon>> {
    return indexPage(this.redis, this.keys.couponIndex, offset, limit, (code) => this.get(code));
  }

  async save(coupon: Coupon, expected: Pick<Coupon, 'born' | 'version'>): Promise<SaveResult> {
    return (await this.scripts.run(
      'saveCoupon',
      [this.keys.coupon(coupon.code)],
      [couponData(coupon), expected.born, expected.version],
    )) as SaveResult;
  }

  async delete(code: string): Promise<boolean> {
    if (!COUPON_CODE_PATTERN.test(code)) return false;
    const k = this.keys;
    const existed = await this.scripts.run(
      'deleteCoupon',
      [
        k.coupon(code),
        k.globalUsed(code),
        k.userTotals(code),
        k.newestPeriods(code),
        k.windowIndex(code),
      ],
      [],
    );
    await this.redis.zrem(k.couponIndex, code);
    return existed === 1;
  }
}

/** The coupon as stored in `data`: its identity lives in fields of its own. */
function couponData(coupon: Coupon): string {
  const { born: _born, version: _version, ...data } = coupon;
  return JSON.stringify(data);
}

/** A page of an index (a sorted set ordered by member), each member read with `read`. */
export async function indexPage<T>(
  redis: RedisClient,
  index: string,
  offset: number,
  limit: number,
  read: (member: string) => Promise<T | undefined>,
): Promise<Page<T>> {
  const [total, members] = await Promise.all([
    redis.zcard(index),
    redis.zrange(index, String(offset), String(offset + limit - 1)),
  ]);
  const items = await Promise.all(members.map(read));
  return { items: items.filter((item): item is Awaited<T> => item !== undefined), total };
}
