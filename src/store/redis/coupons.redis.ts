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

  /*
   * The coupon index lives in a slot of its own, so no step here is atomic with a coupon's script.
   * Instead every step that can unlist a code re-checks: a create lists the code after its script
   * ran (and before, so a crash after the script leaves it listed), and every ZREM that removes a
   * code (a delete's, or a list's pruning an entry without a coupon) is followed by an EXISTS of
   * the coupon and, if it exists, a ZADD.
   * Why a coupon that exists once all callers are done is listed: its create's ZADD after the
   * script left the code listed while the coupon existed. Were it unlisted at the end, take the
   * last ZREM that removed it: its caller's EXISTS came later, found the coupon (it exists from
   * its script on), and ZADDed it back, so some later ZREM removed it again: a contradiction.
   * An entry left without a coupon is skipped when listing, and pruned there.
   */
  async create(coupon: Coupon): Promise<boolean> {
    const k = this.keys;
    await Promise.all([
      this.redis.zadd(k.couponIndex, 0, coupon.code),
      this.redis.zadd(k.codeHistory, 0, coupon.code),
    ]);
    const created = await this.scripts.run(
      'createCoupon',
      [k.coupon(coupon.code)],
      [couponData(coupon), newBirthId()],
    );
    if (created !== 1) return false;
    await this.redis.zadd(k.couponIndex, 0, coupon.code);
    return true;
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

  async list(offset: number, limit: number, prefix?: string): Promise<Page<Coupon>> {
    const k = this.keys;
    const [total, codes] = await Promise.all(
      prefix
        ? [
            this.redis.zlexcount(k.couponIndex, ...prefixRange(prefix)),
            this.redis.zrangebylex(k.couponIndex, ...prefixRange(prefix), 'LIMIT', offset, limit),
          ]
        : [
            this.redis.zcard(k.couponIndex),
            this.redis.zrange(k.couponIndex, String(offset), String(offset + limit - 1)),
          ],
    );
    const coupons = await Promise.all(codes.map((code) => this.get(code)));
    // Entries without a coupon (a delete or create under way, or one that crashed half-way) are
    // pruned by the same ZREM-then-recheck as a delete, so they do not count in `total` for ever.
    const unlisted = await Promise.all(
      codes.map((code, i) => (coupons[i] ? false : this.unlist(code))),
    );
    return {
      items: coupons.filter((item): item is Coupon => item !== undefined),
      total: total - unlisted.filter(Boolean).length,
    };
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
        k.codeUses(code),
        k.revokedCodes(code),
        k.holds(code),
        k.held(code),
      ],
      [k.holdPrefix(code)],
    );
    await this.unlist(code);
    return existed === 1;
  }

  /**
   * Removes a code from the index unless its coupon exists (again) once it is out: see create.
   * True when the code stays out.
   */
  private async unlist(code: string): Promise<boolean> {
    const k = this.keys;
    if ((await this.redis.zrem(k.couponIndex, code)) === 0) return false;
    if ((await this.redis.exists(k.coupon(code))) === 0) return true;
    await this.redis.zadd(k.couponIndex, 0, code);
    return false;
  }
}

/**
 * The lexical range of the codes that start with `prefix`: the index's scores are all 0, so it is
 * ordered by code, and DEL (0x7f) sorts after every character a code may have.
 */
const prefixRange = (prefix: string): [string, string] => [`[${prefix}`, `[${prefix}\x7f`];

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
