import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { STORE_REDIS } from '../store/store.module.js';

/** A 429 whose Retry-After the caller sets from `retryAfterSeconds`. */
export class TooManyRequests extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * Per client address: requests with a valid token (RATE_LIMIT_PER_MINUTE, 0 = off), and failed
 * authentications (AUTH_FAILURES_PER_MINUTE), which stop token guessing long before the first
 * without ever refusing a caller that holds a valid token. With STORE=redis the counts are kept in
 * Redis, shared by every process; with STORE=memory, per process.
 */
@Injectable()
export class RateLimits {
  private readonly requests: RateLimiterAbstract | undefined;
  private readonly authFailures: RateLimiterAbstract;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(STORE_REDIS) redis: Redis | Cluster | undefined,
  ) {
    const limiter = (name: string, points: number): RateLimiterAbstract => {
      // While Redis is away each process counts alone, as with STORE=memory: guessing stays
      // limited, and valid calls reach the route, which answers 503 if it needs Redis.
      const perProcess = new RateLimiterMemory({ points, duration: 60 });
      if (!redis) return perProcess;
      return new RateLimiterRedis({
        storeClient: redis,
        useRedisPackage: false, // ioredis, a Redis or a Cluster: both take its one-key Lua script
        rejectIfRedisNotReady: true, // straight to the fallback while disconnected, no wait
        insuranceLimiter: perProcess,
        keyPrefix: `${config.storePrefix}:rate:${name}`,
        points,
        duration: 60,
      });
    };
    this.requests =
      config.rateLimitPerMinute > 0 ? limiter('requests', config.rateLimitPerMinute) : undefined;
    this.authFailures = limiter('auth-failures', config.authFailuresPerMinute);
  }

  /** Counts one authenticated request; throws TooManyRequests past the limit. */
  async request(client: string): Promise<void> {
    if (!this.requests) return;
    try {
      await this.requests.consume(counter(client));
    } catch (limited) {
      throw tooMany('Too many requests; slow down', limited);
    }
  }

  /** Counts one failed authentication; throws TooManyRequests once the client is past the limit. */
  async authFailed(client: string): Promise<void> {
    try {
      await this.authFailures.consume(counter(client));
    } catch (limited) {
      throw tooMany('Too many failed authentications; wait before trying again', limited);
    }
  }
}

function tooMany(message: string, limited: unknown): TooManyRequests {
  const waitMs = limited instanceof RateLimiterRes ? limited.msBeforeNext : 60_000;
  return new TooManyRequests(message, Math.max(1, Math.ceil(waitMs / 1000)));
}

/** The address is the hash tag: counters spread over Cluster slots by address (no op spans keys). */
const counter = (client: string) => `{${client}}`;
