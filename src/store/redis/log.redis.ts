import { COUPON_CODE_PATTERN } from '../../domain/coupon.js';
import {
  LOG_PAGE_SCAN_LIMIT,
  RedemptionLog,
  type LogEntry,
  type LogPage,
  type LogQuery,
  type LogStatus,
} from '../redemption.log.js';
import type { RedisKeys } from './keys.redis.js';
import type { RedisScripts } from './scripts.redis.js';

/** Each coupon's log is a stream (written by the ledger's scripts), ids from the caller's clock. */
export class RedisRedemptionLog extends RedemptionLog {
  constructor(
    private readonly scripts: RedisScripts,
    private readonly keys: RedisKeys,
    private readonly logTtlMs: number,
  ) {
    super();
  }

  async list(code: string, query: LogQuery, now: number): Promise<LogPage> {
    if (!COUPON_CODE_PATTERN.test(code)) return { items: [], nextCursor: null };
    const [next, ...flat] = (await this.scripts.run(
      'logPage',
      [this.keys.log(code)],
      [
        query.limit,
        query.cursor ?? '',
        query.status ?? '',
        query.userId ?? '',
        now,
        this.logTtlMs,
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
        at: new Date(Number(fields.at)).toISOString(),
        couponCode: code,
        ...(fields.c !== undefined && { uniqueCode: fields.c }),
        userId: fields.u!,
        ...(fields.o !== undefined && { orderId: fields.o }),
        status: fields.s as LogStatus,
        ...(fields.r !== undefined && { reason: fields.r }),
      });
    }
    return { items, nextCursor: next === '' ? null : next };
  }
}
