import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidateBy,
} from 'class-validator';
import { isIP } from 'node:net';
import { isValidTimeZone } from '../domain/periods.js';
import { clusterQueuePrefix, parseClusterNodes } from '@coupon-code-service/client/contract';

export type Role = 'all' | 'api' | 'worker';

/** Whether this process serves the admin REST API (a worker serves only health and metrics). */
export const servesAdminApi = (config: AppConfig) => config.role !== 'worker';

/** Whether this process runs the queue workers. */
export const runsWorkers = (config: AppConfig) => config.role !== 'api';

export interface AppConfig {
  port: number;
  /** Unset (and no cluster): the service runs an embedded throwaway Redis. */
  redisUrl: string | undefined;
  /** Seed nodes of a Redis Cluster; set, every connection is a cluster client. */
  redisClusterNodes?: { host: string; port: number }[];
  /** The effective prefix: on a cluster, with a hash tag. */
  queuePrefix: string;
  /** How many redemption queues (partitions) producers spread jobs over and workers consume. */
  queuePartitions?: number;
  /** Replicas that must acknowledge an accepted decision's write (WAIT) before it is returned. */
  redisWaitReplicas?: number;
  /** How long WAIT waits for them; not acknowledged in time, the job's attempt fails. */
  redisWaitTimeoutMs?: number;
  store: 'memory' | 'redis';
  storePrefix: string;
  /** all: HTTP API and workers in one process; api: HTTP only; worker: workers only. */
  role: Role;
  workerConcurrency: number;
  /** How long a worker's lock on a job lasts; a job whose worker died runs again after about this long. */
  jobLockMs: number;
  couponTz: string;
  /** Unset: a random token is made at start and logged once. */
  adminToken: string | undefined;
  /** Optional read-only token: GET requests only. */
  viewerToken: string | undefined;
  requireRegisteredUsers: boolean;
  redemptionWaitMs: number;
  /** How long the first outcome of an order is kept and replayed. */
  idempotencyTtlHours: number;
  /** How long a rejection of an order is kept and replayed (at most idempotencyTtlHours). */
  rejectionTtlHours: number;
  /** How long a checkout hold lasts when a `reserve` names no ttlSeconds. */
  holdTtlSeconds: number;
  /** How long the redemption log keeps a decision; 0 keeps no log. */
  redemptionLogTtlDays: number;
  /** Days the statistics per coupon and day are kept; 0 counts none. */
  statsRetentionDays: number;
  /** Most entries one coupon's redemption log keeps; the oldest go first. */
  redemptionLogMaxEntries: number;
  /** Most outcomes the memory store keeps; the oldest go first. */
  memoryStoreMaxOutcomes: number;
  /** COUPON_NOT_FOUND refusals per hour per user (and per client address over REST); 0: no limit. */
  guessLimitPerHour: number;
  logLevel: LogLevel;
  /** Origins allowed to call the API from a browser; empty: CORS off. */
  corsOrigins: string[];
  /** Requests per minute per client address; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Failed authentications per minute per client address before 429. */
  authFailuresPerMinute: number;
  /**
   * Express's 'trust proxy': how many proxies, or which ones, may name the client in
   * X-Forwarded-For; false: the socket address is the client.
   */
  trustProxy: number | string[] | false;
  /** How long a shutdown may take before the process gives up and exits 1 (read by main.ts). */
  shutdownTimeoutMs?: number;
  /** The port of the embedded Redis (REDIS_URL unset); unset: any free port (read by main.ts). */
  embeddedRedisPort?: number;
  /**
   * How often a process checks that the reset job schedulers still exist (they are gone when Redis
   * lost its data). Not an environment variable: 60 s unless set here; tests shorten it.
   */
  resetSchedulerCheckMs?: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where each default lives. */
export const DEFAULTS = {
  port: 5001,
  queuePrefix: 'bull',
  store: 'memory',
  storePrefix: 'coupons',
  role: 'all',
  jobLockMs: 30_000,
  couponTz: 'UTC',
  requireRegisteredUsers: true,
  redemptionWaitMs: 5000,
  idempotencyTtlHours: 168,
  rejectionTtlHours: 24,
  holdTtlSeconds: 900,
  redemptionLogTtlDays: 7,
  statsRetentionDays: 400,
  redemptionLogMaxEntries: 100_000,
  memoryStoreMaxOutcomes: 1_000_000,
  guessLimitPerHour: 100,
  logLevel: 'info',
  rateLimitPerMinute: 6000,
  authFailuresPerMinute: 20,
  trustProxy: false,
  shutdownTimeoutMs: 10_000,
  queuePartitions: 1,
  redisWaitReplicas: 0,
  redisWaitTimeoutMs: 1000,
} as const;

/**
 * WORKER_CONCURRENCY when unset: the memory store decides one job at a time; the Redis store waits
 * on a round trip to Redis per decision on top of BullMQ's own, so one at a time it cannot keep up
 * with 1,000 redemptions/s on two cores (see the README's Performance section); 8 can.
 */
export function defaultWorkerConcurrency(store: AppConfig['store']): number {
  return store === 'memory' ? 1 : 8;
}

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

/** A whole number from `min` to `max`, given as digits. */
function WholeNumber(name: string, min: number, max: number): PropertyDecorator {
  const message = `${name} must be a whole number from ${min} to ${max}`;
  return (target, property) => {
    IsOptional()(target, property);
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
    )(target, property);
    Max(max, { message })(target, property);
    Min(min, { message })(target, property);
    IsInt({ message })(target, property);
  };
}

/** A bearer token: at least 16 characters, no spaces. */
function Token(name: string): PropertyDecorator {
  return (target, property) => {
    IsOptional()(target, property);
    Matches(/^\S+$/, { message: `${name} must not contain spaces` })(target, property);
    MinLength(16, { message: `${name} must be at least 16 characters` })(target, property);
    IsString()(target, property);
  };
}

const MAX_PROXY_HOPS = 32;
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, CIDR range or range name that Express's proxy-addr accepts (it refuses a /0). */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) >= 1 && Number(prefix) <= (family === 4 ? 32 : 128);
}

const proxyList = (value: string) => value.split(',').map((entry) => entry.trim());

function isTrustProxy(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (/^\d+$/.test(value)) return Number(value) <= MAX_PROXY_HOPS;
  return proxyList(value).every(isProxyAddress);
}

/** A hop count (0 = off) or the list of proxy addresses, as Express's 'trust proxy' takes it. */
function trustProxy(value: string | undefined): AppConfig['trustProxy'] {
  if (value === undefined) return DEFAULTS.trustProxy;
  if (/^\d+$/.test(value)) return Number(value) || false;
  return proxyList(value);
}

function clusterNodes(value: string): { host: string; port: number }[] | undefined {
  try {
    const nodes = parseClusterNodes(value);
    return nodes.length > 0 ? nodes : undefined;
  } catch {
    return undefined;
  }
}

const KEY_PREFIX = /^[A-Za-z0-9_{}-]{1,64}$/;

class Environment {
  @WholeNumber('PORT', 0, 65535)
  PORT?: number;

  @IsOptional()
  @IsUrl(
    { protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true },
    { message: 'REDIS_URL must be a redis:// or rediss:// URL' },
  )
  REDIS_URL?: string;

  @IsOptional()
  @ValidateBy({
    name: 'isClusterNodes',
    validator: {
      validate: (value) => typeof value === 'string' && clusterNodes(value) !== undefined,
      defaultMessage: () =>
        'REDIS_CLUSTER_NODES must be a comma-separated list of host:port (seed nodes of a Redis Cluster)',
    },
  })
  REDIS_CLUSTER_NODES?: string;

  @WholeNumber('QUEUE_PARTITIONS', 1, 64)
  QUEUE_PARTITIONS?: number;

  @WholeNumber('REDIS_WAIT_REPLICAS', 0, 16)
  REDIS_WAIT_REPLICAS?: number;

  @WholeNumber('REDIS_WAIT_TIMEOUT_MS', 10, 60_000)
  REDIS_WAIT_TIMEOUT_MS?: number;

  @WholeNumber('EMBEDDED_REDIS_PORT', 1, 65535)
  EMBEDDED_REDIS_PORT?: number;

  @IsOptional()
  @Matches(KEY_PREFIX, {
    message: 'QUEUE_PREFIX must be 1-64 characters of letters, digits, _ - { }',
  })
  QUEUE_PREFIX?: string;

  @IsOptional()
  @IsIn(['memory', 'redis'], { message: 'STORE must be memory or redis' })
  STORE?: 'memory' | 'redis';

  // No braces: every coupon's keys carry their own hash tag right after this prefix.
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'STORE_PREFIX must be 1-64 characters of letters, digits, _ and -',
  })
  STORE_PREFIX?: string;

  @IsOptional()
  @IsIn(['all', 'api', 'worker'], { message: 'ROLE must be all, api or worker' })
  ROLE?: Role;

  @WholeNumber('WORKER_CONCURRENCY', 1, 256)
  WORKER_CONCURRENCY?: number;

  @WholeNumber('JOB_LOCK_MS', 1000, 600_000)
  JOB_LOCK_MS?: number;

  @IsOptional()
  @ValidateBy({
    name: 'isTimeZone',
    validator: {
      validate: (value) => typeof value === 'string' && isValidTimeZone(value),
      defaultMessage: () => 'COUPON_TZ must be an IANA time zone such as UTC or Europe/Berlin',
    },
  })
  COUPON_TZ?: string;

  @Token('ADMIN_TOKEN')
  ADMIN_TOKEN?: string;

  @Token('VIEWER_TOKEN')
  VIEWER_TOKEN?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'REQUIRE_REGISTERED_USERS must be true or false' })
  REQUIRE_REGISTERED_USERS?: boolean;

  @WholeNumber('REDEMPTION_WAIT_MS', 0, 60_000)
  REDEMPTION_WAIT_MS?: number;

  @WholeNumber('IDEMPOTENCY_TTL_HOURS', 1, 8760)
  IDEMPOTENCY_TTL_HOURS?: number;

  @WholeNumber('REJECTION_TTL_HOURS', 1, 8760)
  REJECTION_TTL_HOURS?: number;

  @WholeNumber('HOLD_TTL_SECONDS', 1, 86_400)
  HOLD_TTL_SECONDS?: number;

  @WholeNumber('REDEMPTION_LOG_TTL_DAYS', 0, 365)
  REDEMPTION_LOG_TTL_DAYS?: number;

  @WholeNumber('STATS_RETENTION_DAYS', 0, 3660)
  STATS_RETENTION_DAYS?: number;

  @WholeNumber('REDEMPTION_LOG_MAX_ENTRIES', 1, 10_000_000)
  REDEMPTION_LOG_MAX_ENTRIES?: number;

  @WholeNumber('MEMORY_STORE_MAX_OUTCOMES', 1, 100_000_000)
  MEMORY_STORE_MAX_OUTCOMES?: number;

  @WholeNumber('GUESS_LIMIT_PER_HOUR', 0, 1_000_000)
  GUESS_LIMIT_PER_HOUR?: number;

  @WholeNumber('RATE_LIMIT_PER_MINUTE', 0, 1_000_000)
  RATE_LIMIT_PER_MINUTE?: number;

  @WholeNumber('AUTH_FAILURES_PER_MINUTE', 1, 10_000)
  AUTH_FAILURES_PER_MINUTE?: number;

  @IsOptional()
  @ValidateBy({
    name: 'isTrustProxy',
    validator: {
      validate: isTrustProxy,
      defaultMessage: () =>
        `TRUST_PROXY must be a hop count from 0 to ${MAX_PROXY_HOPS} or a comma-separated list of proxy addresses (IP addresses, CIDR ranges, loopback, linklocal, uniquelocal)`,
    },
  })
  TRUST_PROXY?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of http(s) origins',
  })
  CORS_ORIGINS?: string;

  @WholeNumber('SHUTDOWN_TIMEOUT_MS', 1000, 600_000)
  SHUTDOWN_TIMEOUT_MS?: number;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: LogLevel;
}

const VARIABLES = [
  'PORT',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'QUEUE_PARTITIONS',
  'REDIS_WAIT_REPLICAS',
  'REDIS_WAIT_TIMEOUT_MS',
  'EMBEDDED_REDIS_PORT',
  'QUEUE_PREFIX',
  'STORE',
  'STORE_PREFIX',
  'ROLE',
  'WORKER_CONCURRENCY',
  'JOB_LOCK_MS',
  'COUPON_TZ',
  'ADMIN_TOKEN',
  'VIEWER_TOKEN',
  'REQUIRE_REGISTERED_USERS',
  'REDEMPTION_WAIT_MS',
  'IDEMPOTENCY_TTL_HOURS',
  'REJECTION_TTL_HOURS',
  'HOLD_TTL_SECONDS',
  'REDEMPTION_LOG_TTL_DAYS',
  'STATS_RETENTION_DAYS',
  'REDEMPTION_LOG_MAX_ENTRIES',
  'MEMORY_STORE_MAX_OUTCOMES',
  'GUESS_LIMIT_PER_HOUR',
  'LOG_LEVEL',
  'CORS_ORIGINS',
  'RATE_LIMIT_PER_MINUTE',
  'AUTH_FAILURES_PER_MINUTE',
  'TRUST_PROXY',
  'SHUTDOWN_TIMEOUT_MS',
] as const satisfies readonly (keyof Environment)[];

export class ConfigError extends Error {}

/** Reads and checks the environment once; an empty variable counts as unset. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const present = Object.fromEntries(
    VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [
      name,
      env[name],
    ]),
  );
  const parsed = plainToInstance(Environment, present);
  const errors = validateSync(parsed, { stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
  }
  const config: AppConfig = {
    port: parsed.PORT ?? DEFAULTS.port,
    redisUrl: parsed.REDIS_URL,
    redisClusterNodes: parsed.REDIS_CLUSTER_NODES
      ? clusterNodes(parsed.REDIS_CLUSTER_NODES)
      : undefined,
    queuePrefix: parsed.QUEUE_PREFIX ?? DEFAULTS.queuePrefix,
    queuePartitions: parsed.QUEUE_PARTITIONS ?? DEFAULTS.queuePartitions,
    redisWaitReplicas: parsed.REDIS_WAIT_REPLICAS ?? DEFAULTS.redisWaitReplicas,
    redisWaitTimeoutMs: parsed.REDIS_WAIT_TIMEOUT_MS ?? DEFAULTS.redisWaitTimeoutMs,
    store: parsed.STORE ?? DEFAULTS.store,
    storePrefix: parsed.STORE_PREFIX ?? DEFAULTS.storePrefix,
    role: parsed.ROLE ?? DEFAULTS.role,
    workerConcurrency:
      parsed.WORKER_CONCURRENCY ?? defaultWorkerConcurrency(parsed.STORE ?? DEFAULTS.store),
    jobLockMs: parsed.JOB_LOCK_MS ?? DEFAULTS.jobLockMs,
    couponTz: parsed.COUPON_TZ ?? DEFAULTS.couponTz,
    adminToken: parsed.ADMIN_TOKEN,
    viewerToken: parsed.VIEWER_TOKEN,
    requireRegisteredUsers: parsed.REQUIRE_REGISTERED_USERS ?? DEFAULTS.requireRegisteredUsers,
    redemptionWaitMs: parsed.REDEMPTION_WAIT_MS ?? DEFAULTS.redemptionWaitMs,
    idempotencyTtlHours: parsed.IDEMPOTENCY_TTL_HOURS ?? DEFAULTS.idempotencyTtlHours,
    rejectionTtlHours: parsed.REJECTION_TTL_HOURS ?? DEFAULTS.rejectionTtlHours,
    holdTtlSeconds: parsed.HOLD_TTL_SECONDS ?? DEFAULTS.holdTtlSeconds,
    redemptionLogTtlDays: parsed.REDEMPTION_LOG_TTL_DAYS ?? DEFAULTS.redemptionLogTtlDays,
    statsRetentionDays: parsed.STATS_RETENTION_DAYS ?? DEFAULTS.statsRetentionDays,
    redemptionLogMaxEntries: parsed.REDEMPTION_LOG_MAX_ENTRIES ?? DEFAULTS.redemptionLogMaxEntries,
    memoryStoreMaxOutcomes: parsed.MEMORY_STORE_MAX_OUTCOMES ?? DEFAULTS.memoryStoreMaxOutcomes,
    guessLimitPerHour: parsed.GUESS_LIMIT_PER_HOUR ?? DEFAULTS.guessLimitPerHour,
    logLevel: parsed.LOG_LEVEL ?? DEFAULTS.logLevel,
    corsOrigins: parsed.CORS_ORIGINS?.split(',') ?? [],
    rateLimitPerMinute: parsed.RATE_LIMIT_PER_MINUTE ?? DEFAULTS.rateLimitPerMinute,
    authFailuresPerMinute: parsed.AUTH_FAILURES_PER_MINUTE ?? DEFAULTS.authFailuresPerMinute,
    trustProxy: trustProxy(parsed.TRUST_PROXY),
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS ?? DEFAULTS.shutdownTimeoutMs,
    embeddedRedisPort: parsed.EMBEDDED_REDIS_PORT,
  };
  // The statistics equal the log for every day it keeps: they must not go first.
  if (config.statsRetentionDays > 0 && config.statsRetentionDays < config.redemptionLogTtlDays) {
    throw new ConfigError(
      `STATS_RETENTION_DAYS must be 0 (off) or at least REDEMPTION_LOG_TTL_DAYS (${config.redemptionLogTtlDays})`,
    );
  }
  if (config.viewerToken !== undefined && config.viewerToken === config.adminToken) {
    throw new ConfigError('VIEWER_TOKEN must differ from ADMIN_TOKEN');
  }
  if (config.role !== 'all' && config.store === 'memory') {
    throw new ConfigError(
      `ROLE=${config.role} needs STORE=redis: the memory store lives inside one process, so API and workers cannot share it`,
    );
  }
  if (config.redisClusterNodes) {
    if (config.redisUrl !== undefined) {
      throw new ConfigError('set REDIS_URL or REDIS_CLUSTER_NODES, not both');
    }
    if (config.store !== 'redis') {
      throw new ConfigError(
        'REDIS_CLUSTER_NODES needs STORE=redis: the memory store lives inside one process and cannot be shared over a cluster',
      );
    }
    config.queuePrefix = clusterQueuePrefix(config.queuePrefix);
  }
  if (config.redisWaitReplicas! > 0 && config.store !== 'redis') {
    throw new ConfigError(
      "REDIS_WAIT_REPLICAS needs STORE=redis: it waits for replicas of the store's writes",
    );
  }
  return config;
}
