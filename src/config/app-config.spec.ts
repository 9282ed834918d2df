import { ConfigError, DEFAULTS, loadConfig } from './app-config.js';

describe('loadConfig on a Redis Cluster', () => {
  const cluster = { STORE: 'redis', REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2.internal:7001' };

  it('reads the seed nodes and wraps a prefix without a hash tag in braces', () => {
    const config = loadConfig(cluster);
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-2.internal', port: 7001 },
    ]);
    expect(config.redisUrl).toBeUndefined();
    expect(config.queuePrefix).toBe('{bull}');
    expect(loadConfig({ ...cluster, QUEUE_PREFIX: 'shop' }).queuePrefix).toBe('{shop}');
    expect(loadConfig({ ...cluster, QUEUE_PREFIX: 'shop{q}' }).queuePrefix).toBe('shop{q}');
    // A single Redis keeps the prefix as given.
    expect(loadConfig({ QUEUE_PREFIX: 'shop' }).queuePrefix).toBe('shop');
  });

  it.each([
    [{ REDIS_CLUSTER_NODES: '10.0.0.1:7000' }, 'REDIS_CLUSTER_NODES needs STORE=redis'],
    [
      { ...cluster, REDIS_URL: 'redis://cache:6379' },
      'set REDIS_URL or REDIS_CLUSTER_NODES, not both',
    ],
    [
      { ...cluster, REDIS_CLUSTER_NODES: '10.0.0.1' },
      'REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
    ],
    [
      { ...cluster, REDIS_CLUSTER_NODES: 'a:99999' },
      'REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
    ],
    [{ REDIS_WAIT_REPLICAS: '1' }, 'REDIS_WAIT_REPLICAS needs STORE=redis'],
    [{ QUEUE_PARTITIONS: '0' }, 'QUEUE_PARTITIONS must be a whole number from 1 to 64'],
    [
      { REDIS_WAIT_REPLICAS: '17', STORE: 'redis' },
      'REDIS_WAIT_REPLICAS must be a whole number from 0 to 16',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('loadConfig', () => {
  it('uses the defaults for unset and empty variables', () => {
    expect(loadConfig({ PORT: '', COUPON_TZ: undefined })).toEqual({
      ...DEFAULTS,
      workerConcurrency: 1,
      redisUrl: undefined,
      adminToken: undefined,
      viewerToken: undefined,
      corsOrigins: [],
    });
  });

  it('runs one redemption at a time on the memory store and 8 on Redis unless told otherwise', () => {
    expect(loadConfig({}).workerConcurrency).toBe(1);
    expect(loadConfig({ STORE: 'memory' }).workerConcurrency).toBe(1);
    expect(loadConfig({ STORE: 'redis' }).workerConcurrency).toBe(8);
    expect(loadConfig({ STORE: 'redis', WORKER_CONCURRENCY: '1' }).workerConcurrency).toBe(1);
    expect(loadConfig({ STORE: 'memory', WORKER_CONCURRENCY: '4' }).workerConcurrency).toBe(4);
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '8080',
        REDIS_URL: 'redis://user:pw@cache.internal:6380/2',
        QUEUE_PREFIX: '{coupons}',
        COUPON_TZ: 'America/New_York',
        ADMIN_TOKEN: 'a-long-enough-token',
        VIEWER_TOKEN: 'a-read-only-token-1',
        REQUIRE_REGISTERED_USERS: 'false',
        REDEMPTION_WAIT_MS: '250',
        IDEMPOTENCY_TTL_HOURS: '24',
        REJECTION_TTL_HOURS: '6',
        HOLD_TTL_SECONDS: '600',
        REDEMPTION_LOG_TTL_DAYS: '0',
        STATS_RETENTION_DAYS: '30',
        REDEMPTION_LOG_MAX_ENTRIES: '500',
        MEMORY_STORE_MAX_OUTCOMES: '2000',
        GUESS_LIMIT_PER_HOUR: '0',
        STORE: 'redis',
        STORE_PREFIX: 'shop',
        ROLE: 'worker',
        WORKER_CONCURRENCY: '16',
        JOB_LOCK_MS: '5000',
        LOG_LEVEL: 'debug',
        CORS_ORIGINS: 'https://admin.example.com,http://localhost:3000',
        RATE_LIMIT_PER_MINUTE: '0',
        AUTH_FAILURES_PER_MINUTE: '5',
        TRUST_PROXY: 'loopback, 10.0.0.0/8,2001:db8::/32',
        SHUTDOWN_TIMEOUT_MS: '30000',
        EMBEDDED_REDIS_PORT: '6390',
        QUEUE_PARTITIONS: '4',
        REDIS_WAIT_REPLICAS: '1',
        REDIS_WAIT_TIMEOUT_MS: '500',
      }),
    ).toEqual({
      port: 8080,
      redisUrl: 'redis://user:pw@cache.internal:6380/2',
      queuePrefix: '{coupons}',
      queuePartitions: 4,
      redisWaitReplicas: 1,
      redisWaitTimeoutMs: 500,
      couponTz: 'America/New_York',
      adminToken: 'a-long-enough-token',
      viewerToken: 'a-read-only-token-1',
      requireRegisteredUsers: false,
      redemptionWaitMs: 250,
      idempotencyTtlHours: 24,
      rejectionTtlHours: 6,
      holdTtlSeconds: 600,
      redemptionLogTtlDays: 0,
      statsRetentionDays: 30,
      redemptionLogMaxEntries: 500,
      memoryStoreMaxOutcomes: 2000,
      guessLimitPerHour: 0,
      store: 'redis',
      storePrefix: 'shop',
      role: 'worker',
      workerConcurrency: 16,
      jobLockMs: 5000,
      logLevel: 'debug',
      corsOrigins: ['https://admin.example.com', 'http://localhost:3000'],
      rateLimitPerMinute: 0,
      authFailuresPerMinute: 5,
      trustProxy: ['loopback', '10.0.0.0/8', '2001:db8::/32'],
      shutdownTimeoutMs: 30_000,
      embeddedRedisPort: 6390,
    });
  });

  it.each([
    ['0', false],
    ['1', 1],
    ['32', 32],
    ['192.0.2.10', ['192.0.2.10']],
    ['::1,fe80::/10,::ffff:10.0.0.0/104', ['::1', 'fe80::/10', '::ffff:10.0.0.0/104']],
    ['loopback,linklocal,uniquelocal', ['loopback', 'linklocal', 'uniquelocal']],
  ])('reads TRUST_PROXY=%s', (value, trustProxy) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(trustProxy);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number from 0 to 65535'],
    [
      { REDEMPTION_LOG_TTL_DAYS: '366' },
      'REDEMPTION_LOG_TTL_DAYS must be a whole number from 0 to 365',
    ],
    [
      { STATS_RETENTION_DAYS: '3661' },
      'STATS_RETENTION_DAYS must be a whole number from 0 to 3660',
    ],
    [
      { STATS_RETENTION_DAYS: '6' },
      'STATS_RETENTION_DAYS must be 0 (off) or at least REDEMPTION_LOG_TTL_DAYS (7)',
    ],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535'],
    [{ REDIS_URL: 'http://localhost' }, 'REDIS_URL must be a redis:// or rediss:// URL'],
    [{ QUEUE_PREFIX: 'a:b' }, 'QUEUE_PREFIX must be 1-64 characters'],
    [{ STORE: 'postgres' }, 'STORE must be memory or redis'],
    [{ ROLE: 'both' }, 'ROLE must be all, api or worker'],
    [{ ROLE: 'api' }, 'ROLE=api needs STORE=redis'],
    [{ ROLE: 'worker', STORE: 'memory' }, 'ROLE=worker needs STORE=redis'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY must be a whole number from 1 to 256'],
    [{ STORE_PREFIX: 'a b' }, 'STORE_PREFIX must be 1-64 characters'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    ],
    [
      { STORE_PREFIX: '{shop}' },
      'STORE_PREFIX must be 1-64 characters of letters, digits, _ and -',
    ],
    [{ COUPON_TZ: 'Mars/Olympus' }, 'COUPON_TZ must be an IANA time zone'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN must be at least 16 characters'],
    [{ ADMIN_TOKEN: 'long enough but spaced' }, 'ADMIN_TOKEN must not contain spaces'],
    [{ VIEWER_TOKEN: 'short' }, 'VIEWER_TOKEN must be at least 16 characters'],
    [
      { ADMIN_TOKEN: 'same-token-0123456789', VIEWER_TOKEN: 'same-token-0123456789' },
      'VIEWER_TOKEN must differ from ADMIN_TOKEN',
    ],
    [{ REQUIRE_REGISTERED_USERS: 'yes' }, 'REQUIRE_REGISTERED_USERS must be true or false'],
    [{ REDEMPTION_WAIT_MS: '-5' }, 'REDEMPTION_WAIT_MS must be a whole number from 0 to 60000'],
    [{ IDEMPOTENCY_TTL_HOURS: '0' }, 'IDEMPOTENCY_TTL_HOURS must be a whole number from 1 to 8760'],
    [{ REJECTION_TTL_HOURS: '0' }, 'REJECTION_TTL_HOURS must be a whole number from 1 to 8760'],
    [{ HOLD_TTL_SECONDS: '0' }, 'HOLD_TTL_SECONDS must be a whole number from 1 to 86400'],
    [{ HOLD_TTL_SECONDS: '86401' }, 'HOLD_TTL_SECONDS must be a whole number from 1 to 86400'],
    [
      { REDEMPTION_LOG_MAX_ENTRIES: '0' },
      'REDEMPTION_LOG_MAX_ENTRIES must be a whole number from 1 to 10000000',
    ],
    [
      { MEMORY_STORE_MAX_OUTCOMES: '1.5' },
      'MEMORY_STORE_MAX_OUTCOMES must be a whole number from 1 to 100000000',
    ],
    [
      { GUESS_LIMIT_PER_HOUR: '-1' },
      'GUESS_LIMIT_PER_HOUR must be a whole number from 0 to 1000000',
    ],
    [
      { SHUTDOWN_TIMEOUT_MS: '999' },
      'SHUTDOWN_TIMEOUT_MS must be a whole number from 1000 to 600000',
    ],
    [
      { SHUTDOWN_TIMEOUT_MS: '600001' },
      'SHUTDOWN_TIMEOUT_MS must be a whole number from 1000 to 600000',
    ],
    [{ EMBEDDED_REDIS_PORT: '0' }, 'EMBEDDED_REDIS_PORT must be a whole number from 1 to 65535'],
    [
      { EMBEDDED_REDIS_PORT: '65536' },
      'EMBEDDED_REDIS_PORT must be a whole number from 1 to 65535',
    ],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    'yes',
    '-1',
    '1.5',
    '33',
    'localhost',
    '300.1.1.1',
    '10.0.0.0/0',
    '10.0.0.0/33',
    '10.0.0.0/255.0.0.0',
    '10.0.0.0/8/8',
    '2001:db8::/129',
    '10.0.0.1,',
    '10.0.0.1,,10.0.0.2',
  ])('refuses TRUST_PROXY=%s with one line', (value) => {
    const load = () => loadConfig({ TRUST_PROXY: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      new Error(
        'TRUST_PROXY must be a hop count from 0 to 32 or a comma-separated list of proxy addresses (IP addresses, CIDR ranges, loopback, linklocal, uniquelocal)',
      ),
    );
  });
});
