import type { NextFunction, Request, Response } from 'express';
import type { RateLimits, TooManyRequests } from '../auth/rate-limits.js';
import { basicPassword, bearerToken, TokenMatcher } from '../auth/token.js';

/**
 * Guards the queue dashboard, which Nest's guards do not reach (it is Express middleware): the
 * bearer token, or HTTP basic auth with any user name and the token as password, so a browser can
 * open it. Wrong or missing credentials count as failed authentications (429 past the limit); the
 * right token always passes.
 */
export function dashboardAuth(adminToken: string, limits: RateLimits) {
  const token = new TokenMatcher(adminToken);
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (token.matches(bearerToken(header)) || token.matches(basicPassword(header))) return next();
    try {
      await limits.authFailed(req.ip ?? 'unknown');
    } catch (limited) {
      const { retryAfterSeconds, message } = limited as TooManyRequests;
      res.status(429).set('Retry-After', String(retryAfterSeconds));
      res.json({ statusCode: 429, error: 'Too Many Requests', message });
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="Coupon Code Service queues", charset="UTF-8"')
      .json({
        statusCode: 401,
        error: 'Unauthorized',
        message:
          'Log in with any user name and the admin token as password, or send a bearer token',
      });
  };
}
