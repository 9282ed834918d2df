import type { OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  COUNTER_NAMES,
  COUPON_CODE_PATTERN,
  type Coupon,
  type RepeatCounts,
  type UsageCounts,
  type User,
} from '../domain/coupon.js';
import {
  counterOutcome,
  type RedemptionOutcome,
  type RedemptionRequest,
} from '../domain/outcome.js';
import type { Periods } from '../domain/periods.js';
import {
  CouponStore,
  LOG_PAGE_SCAN_LIMIT,
  STALE_COUPON,
  type CreateUserResult,
  type LogEntry,
  type LogPage,
  type LogQuery,
  type LogStatus,
  type Page,
  type RedeemAttempt,
  type RollbackAttempt,
  type RollbackResult,
  type SaveResult,
  type Window,
} from './coupon-store.js';
import { RedisKeys } from './redis-keys.js';
import * as scripts from './redis-scripts.js';

export interface RedisStoreOptions {
  /** STORE_PREFIX: the first part of every key. */
  prefix: string;
  /** How long the first outcome of an order is kept (IDEMPOTENCY_TTL_HOURS). */
  outcomeTtlMs: number;
  /** How long the redemption log keeps an entry (REDEMPTION_LOG_TTL_DAYS); 0 logs nothing. */
  logTtlMs: number;
}

const HOUR = 3600_000;
// Window hashes expire by themselves well after their period: a day is at most 25 hours, a week 169.
const DAY_WINDOW_TTL_MS = 48 * HOUR;
const WEEK_WINDOW_TTL_MS = 9 * 24 * HOUR;
const REJECTION_RECORD = 'R|';
const ROLLED_BACK_RECORD = 'B|';

type Script = (keys: string[], args: (string | number)[]) => Promise<unknown>;

/** Registers a script with ioredis (EVALSHA, falling back to EVAL once per connection). */
function defineScript(redis: Redis, name: string, lua: string, numberOfKeys: number): Script {
  redis.defineCommand(name, { lua, numberOfKeys });
  const command = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
    name
  ]!;
  return (keys, args) => command.call(redis, ...keys, ...args);
}

/** Each script with its number of keys. */
const SCRIPTS = {
  redeem: [scripts.REDEEM, 9],
  rollback: [scripts.ROLLBACK, 8],
  logPage: [scripts.LOG_PAGE, 1],
  usage: [scripts.USAGE, 5],
  clearEndedWindows: [scripts.CLEAR_ENDED_WINDOWS, 2],
  createCoupon: [scripts.CREATE_COUPON, 2],
  saveCoupon: [scripts.SAVE_COUPON, 2],
  deleteCoupon: [scripts.DELETE_COUPON, 5],
  createUser: [scripts.CREATE_USER, 3],
  recordOutcome: [scripts.RECORD_OUTCOME, 2],
} as const;

/** What a counter record keeps beside the counts, to rebuild the outcome on a replay. */
interface OutcomeContext {
  request: RedemptionRequest;
  limits: RepeatCounts;
  discountPercentage: number;
  now: number;
}

/**
 * The shared, durable store: coupons, users, usage and first outcomes in Redis (key layout in
 * redis-keys.ts). Every check-and-commit is one Lua script, so any number of workers in any number
 * of processes keep every cap exact.
 */
export class RedisCouponStore extends CouponStore implements OnApplicationShutdown {
  private readonly keys: RedisKeys;
  private readonly scripts: Record<keyof typeof SCRIPTS, Script>;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisStoreOptions,
  ) {
    super();
    this.keys = new RedisKeys(options.prefix);
    this.scripts = Object.fromEntries(
      Object.entries(SCRIPTS).map(([name, [lua, numberOfKeys]]) => [
        name,
        defineScript(redis, `coupons_${name}`, lua, numberOfKeys),
      ]),
    ) as Record<keyof typeof SCRIPTS, Script>;
  }

  async createCoupon(coupon: Coupon): Promise<boolean> {
    const { version: _assignedByTheStore, ...data } = coupon;
    // Listed before it exists, so no crash or racing delete can leave a coupon out of the index;
    // an entry without a coupon is skipped when listing.
    await this.redis.zadd(this.keys.couponIndex, 0, coupon.code);
    const created = await this.scripts.createCoupon(
      [this.keys.coupon(coupon.code), this.keys.lastVersion(coupon.code)],
      [JSON.stringify(data)],
    );
    return created === 1;
  }

  async getCoupon(code: string): Promise<Coupon | undefined> {
    if (!COUPON_CODE_PATTERN.test(code)) return undefined;
    const [data, version] = await this.redis.hmget(this.keys.coupon(code), 'data', 'v');
    return data && version
      ? { ...(JSON.parse(data) as Omit<Coupon, 'version'>), version: Number(version) }
      : undefined;
  }

  listCoupons(offset: number, limit: number): Promise<Page<Coupon>> {
    return this.page(this.keys.couponIndex, offset, limit, (code) => this.getCoupon(code));
  }

  async saveCoupon(coupon: Coupon, expectedVersion: number): Promise<SaveResult> {
    const { version: _version, ...data } = coupon;
    return (await this.scripts.saveCoupon(
      [this.keys.coupon(coupon.code), this.keys.lastVersion(coupon.code)],
      [JSON.stringify(data), expectedVersion],
    )) as SaveResult;
  }

  async deleteCoupon(code: string): Promise<boolean> {
    if (!COUPON_CODE_PATTERN.test(code)) return false;
    const k = this.keys;
    const existed = await this.scripts.deleteCoupon(
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

  async createUser(user: User): Promise<CreateUserResult> {
    const k = this.keys;
    return (await this.scripts.createUser(
      [k.user(user.id), k.email(user.email), k.userIndex],
      [JSON.stringify(user), user.id],
    )) as CreateUserResult;
  }

  async getUser(id: string): Promise<User | undefined> {
    const json = await this.redis.get(this.keys.user(id));
    return json ? (JSON.parse(json) as User) : undefined;
  }

  listUsers(offset: number, limit: number): Promise<Page<User>> {
    return this.page(this.keys.userIndex, offset, limit, (id) => this.getUser(id));
  }

  /** A page of an index (a sorted set ordered by member), each member read with `read`. */
  private async page<T>(
    index: string,
    offset: number,
    limit: number,
    read: (member: string) => Promise<T | undefined>,
  ): Promise<Page<T>> {
    const [total, members] = await Promise.all([
      this.redis.zcard(index),
      this.redis.zrange(index, String(offset), String(offset + limit - 1)),
    ]);
    const items = await Promise.all(members.map(read));
    return { items: items.filter((item): item is Awaited<T> => item !== undefined), total };
  }

  async getUsage(code: string, userId: string | undefined, periods: Periods): Promise<UsageCounts> {
    if (!COUPON_CODE_PATTERN.test(code))
      return { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 };
    const k = this.keys;
    const reply = (await this.scripts.usage(
      [
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.newestPeriods(code),
      ],
      [userId ?? '', periods.week, periods.day],
    )) as string[];
    if (reply[0] === 'behind')
      return this.getUsage(code, userId, { day: reply[1]!, week: reply[2]! });
    const [globalTotal, userTotal, userWeekly, userDaily] = reply.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
    ];
    return { globalTotal, userTotal, userWeekly, userDaily };
  }

  async findOutcome(code: string, key: string): Promise<RedemptionOutcome | undefined> {
    if (!COUPON_CODE_PATTERN.test(code)) return undefined;
    const record = await this.redis.get(this.keys.outcome(code, key));
    // A rolled-back redemption is no outcome any more.
    return record === null || record.startsWith(ROLLED_BACK_RECORD)
      ? undefined
      : decodeRecord(record);
  }

  async recordOutcome(
    key: string | undefined,
    outcome: RedemptionOutcome,
  ): Promise<RedemptionOutcome> {
    const code = outcome.couponCode;
    if (!COUPON_CODE_PATTERN.test(code)) return outcome;
    const first = await this.scripts.recordOutcome(
      [this.keys.outcome(code, key ?? ''), this.keys.log(code)],
      [
        REJECTION_RECORD + JSON.stringify(outcome),
        key === undefined ? 0 : this.options.outcomeTtlMs,
        this.options.logTtlMs,
        outcome.processedAt,
        outcome.userId,
        outcome.orderId ?? '',
        outcome.reason!,
      ],
    );
    return decodeRecord(first as string);
  }

  async redeem(attempt: RedeemAttempt): Promise<RedemptionOutcome | typeof STALE_COUPON> {
    const { request, periods, outcomeKey } = attempt;
    const code = request.couponCode;
    const k = this.keys;
    const context: OutcomeContext = {
      request,
      limits: attempt.limits,
      discountPercentage: attempt.discountPercentage,
      now: attempt.now,
    };
    const reply = (await this.scripts.redeem(
      [
        k.coupon(code),
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.outcome(code, outcomeKey ?? ''),
        k.newestPeriods(code),
        k.windowIndex(code),
        k.log(code),
      ],
      [
        attempt.couponVersion,
        request.userId,
        ...COUNTER_NAMES.map((name) => attempt.limits[name] ?? -1),
        periods.week,
        periods.day,
        outcomeKey === undefined ? 0 : this.options.outcomeTtlMs,
        JSON.stringify(context),
        DAY_WINDOW_TTL_MS,
        WEEK_WINDOW_TTL_MS,
        this.options.logTtlMs,
        new Date(attempt.now).toISOString(),
        request.orderId ?? '',
      ],
    )) as [string, string | number, string];
    switch (reply[0]) {
      case 'stale':
        return STALE_COUPON;
      case 'behind':
        return this.redeem({ ...attempt, periods: { day: `${reply[1]}`, week: reply[2] } });
      case 'first':
        return decodeRecord(`${reply[1]}`);
      default:
        return countedOutcome(`${reply[1]}`, reply[2], context);
    }
  }

  async rollback(attempt: RollbackAttempt): Promise<RollbackResult> {
    const { request, periods } = attempt;
    const code = request.couponCode;
    if (!COUPON_CODE_PATTERN.test(code)) return { status: 'not-found' };
    const k = this.keys;
    const reply = (await this.scripts.rollback(
      [
        k.outcome(code, attempt.outcomeKey),
        k.coupon(code),
        k.globalUsed(code),
        k.userTotals(code),
        k.window(code, 'week', periods.week),
        k.window(code, 'day', periods.day),
        k.newestPeriods(code),
        k.log(code),
      ],
      [
        request.userId,
        periods.week,
        periods.day,
        this.options.logTtlMs,
        new Date(attempt.now).toISOString(),
        request.orderId,
      ],
    )) as (string | number)[];
    switch (reply[0]) {
      case 'not-found':
        return { status: 'not-found' };
      case 'already':
        return { status: 'already-rolled-back' };
      case 'behind':
        return this.rollback({ ...attempt, periods: { day: `${reply[1]}`, week: `${reply[2]}` } });
      default: {
        const [globalTotal, userTotal, userWeekly, userDaily] = reply.slice(1).map((n) => n === 1);
        return {
          status: 'rolled-back',
          restored: {
            globalTotal: globalTotal!,
            userTotal: userTotal!,
            userWeekly: userWeekly!,
            userDaily: userDaily!,
          },
        };
      }
    }
  }

  async listRedemptions(code: string, query: LogQuery): Promise<LogPage> {
    if (!COUPON_CODE_PATTERN.test(code)) return { items: [], nextCursor: null };
    const [next, ...flat] = (await this.scripts.logPage(
      [this.keys.log(code)],
      [
        query.limit,
        query.cursor ?? '',
        query.status ?? '',
        query.userId ?? '',
        this.options.logTtlMs,
        LOG_PAGE_SCAN_LIMIT,
      ],
    )) as [string, ...(string | string[])[]];
    const items: LogEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const values = flat[i + 1] as string[];
      const fields: Record<string, string> = {};
      for (let f = 0; f < values.length; f += 2) fields[values[f]!] = values[f + 1]!;
      items.push({
        id: flat[i] as string,
        at: fields.at!,
        couponCode: code,
        userId: fields.u!,
        ...(fields.o !== undefined && { orderId: fields.o }),
        status: fields.s as LogStatus,
        ...(fields.r !== undefined && { reason: fields.r }),
      });
    }
    return { items, nextCursor: next === '' ? null : next };
  }

  async clearEndedWindows(window: Window, current: string): Promise<number> {
    const kind = window === 'daily' ? 'day' : 'week';
    let cleared = 0;
    const codes = this.redis.zscanStream(this.keys.couponIndex, { count: 500 });
    for await (const batch of codes) {
      // ZSCAN yields member, score, member, score...
      const pageCodes = (batch as string[]).filter((_, i) => i % 2 === 0);
      const counts = await Promise.all(
        pageCodes.map((code) =>
          this.scripts.clearEndedWindows(
            [this.keys.windowIndex(code), this.keys.newestPeriods(code)],
            [kind, this.keys.window(code, kind, ''), current],
          ),
        ),
      );
      cleared += counts.reduce<number>((sum, count) => sum + Number(count), 0);
    }
    return cleared;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }

  /** Redis expires outcomes by itself (each has its TTL); nothing is left to prune. */
  async pruneOutcomes(): Promise<number> {
    return 0;
  }
}

/** A kept outcome: "R|<outcome JSON>", or a counter record (see the REDEEM script), old or new. */
function decodeRecord(record: string): RedemptionOutcome {
  if (record.startsWith(REJECTION_RECORD))
    return JSON.parse(record.slice(REJECTION_RECORD.length)) as RedemptionOutcome;
  // The context JSON is the first part starting with '{'; records from before rollbacks have
  // fewer parts before it.
  const contextStart = record.indexOf('|{');
  const [full, used] = record.slice(0, contextStart).split('|') as [string, string];
  const context = JSON.parse(record.slice(contextStart + 1)) as OutcomeContext;
  return countedOutcome(full, used, context);
}

/** The outcome of a counter check: `full` as the script gives it, `used` as "global,total,week,day". */
function countedOutcome(full: string, used: string, context: OutcomeContext): RedemptionOutcome {
  const [globalTotal, userTotal, userWeekly, userDaily] = used.split(',').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return counterOutcome(
    context.request,
    {
      full: full === '0' ? null : COUNTER_NAMES[Number(full) - 1]!,
      used: { globalTotal, userTotal, userWeekly, userDaily },
      limits: context.limits,
      discountPercentage: context.discountPercentage,
    },
    context.now,
  );
}
