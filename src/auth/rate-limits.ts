import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

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
 * Per client address, per process: requests with a valid token (RATE_LIMIT_PER_MINUTE, 0 = off),
 * and failed authentications (AUTH_FAILURES_PER_MINUTE), which stop token guessing long before the
 * first without ever refusing a caller that holds a valid token.
 */
@Injectable()
export class RateLimits {
  private readonly requests: RateLimiterMemory | undefined;
  private readonly authFailures: RateLimiterMemory;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.requests =
      config.rateLimitPerMinute > 0
        ? new RateLimiterMemory({ points: config.rateLimitPerMinute, duration: 60 })
        : undefined;
    this.authFailures = new RateLimiterMemory({
      points: config.authFailuresPerMinute,
      duration: 60,
    });
  }

  /** Counts one authenticated request; throws TooManyRequests past the limit. */
  async request(client: string): Promise<void> {
    if (!this.requests) return;
    try {
      await this.requests.consume(client);
    } catch (limited) {
      throw tooMany('Too many requests; slow down', limited);
    }
  }

  /** Counts one failed authentication; throws TooManyRequests once the client is past the limit. */
  async authFailed(client: string): Promise<void> {
    try {
      await this.authFailures.consume(client);
    } catch (limited) {
      throw tooMany('Too many failed authentications; wait before trying again', limited);
    }
  }
}

function tooMany(message: string, limited: unknown): TooManyRequests {
  const waitMs = limited instanceof RateLimiterRes ? limited.msBeforeNext : 60_000;
  return new TooManyRequests(message, Math.max(1, Math.ceil(waitMs / 1000)));
}
