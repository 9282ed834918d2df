import { DEFAULTS, type AppConfig } from '../config/app-config.js';

/** What a store keeps, and for how long, in both kinds. */
export interface StoreOptions {
  /** How long the outcome of an accepted redemption is kept (IDEMPOTENCY_TTL_HOURS). */
  outcomeTtlMs: number;
  /** How long a rejection of an order is kept (REJECTION_TTL_HOURS); see ledger.keepTimes. */
  rejectionTtlMs: number;
  /** How long the redemption log keeps an entry (REDEMPTION_LOG_TTL_DAYS); 0 logs nothing. */
  logTtlMs: number;
  /** How long the statistics keep a day (STATS_RETENTION_DAYS); 0 counts nothing. */
  statsRetentionMs: number;
  /** The zone whose days the statistics count in (COUPON_TZ). */
  timeZone: string;
  /** Most entries one coupon's log keeps (REDEMPTION_LOG_MAX_ENTRIES). */
  logMaxEntries: number;
  /** Most outcomes the memory store keeps, oldest evicted first (MEMORY_STORE_MAX_OUTCOMES). */
  maxOutcomes: number;
  /** COUPON_NOT_FOUND refusals per hour per user or address (GUESS_LIMIT_PER_HOUR); 0: no limit. */
  guessLimitPerHour: number;
  /** Redis store: replicas that must hold an acceptance before it is returned (REDIS_WAIT_REPLICAS). */
  waitReplicas: number;
  /** How long to wait for them (REDIS_WAIT_TIMEOUT_MS). */
  waitTimeoutMs: number;
}

const HOUR = 3600_000;

export function storeOptions(
  config: Pick<
    AppConfig,
    | 'idempotencyTtlHours'
    | 'rejectionTtlHours'
    | 'redemptionLogTtlDays'
    | 'redemptionLogMaxEntries'
    | 'statsRetentionDays'
    | 'couponTz'
    | 'memoryStoreMaxOutcomes'
    | 'guessLimitPerHour'
    | 'redisWaitReplicas'
    | 'redisWaitTimeoutMs'
  >,
): StoreOptions {
  return {
    outcomeTtlMs: config.idempotencyTtlHours * HOUR,
    rejectionTtlMs: config.rejectionTtlHours * HOUR,
    logTtlMs: config.redemptionLogTtlDays * 24 * HOUR,
    logMaxEntries: config.redemptionLogMaxEntries,
    statsRetentionMs: config.statsRetentionDays * 24 * HOUR,
    timeZone: config.couponTz,
    maxOutcomes: config.memoryStoreMaxOutcomes,
    guessLimitPerHour: config.guessLimitPerHour,
    waitReplicas: config.redisWaitReplicas ?? 0,
    waitTimeoutMs: config.redisWaitTimeoutMs ?? 1000,
  };
}

/** The options a store gets with every variable unset. */
export const DEFAULT_STORE_OPTIONS = storeOptions(DEFAULTS);
