import type { NextFunction, Request, Response } from 'express';
import type { RateLimits, TooManyRequests } from '../auth/rate-limits.js';
import { basicPassword, bearerToken, TokenMatcher } from '../auth/token.js';

export type DashboardRole = 'admin' | 'viewer';

const ROLE = Symbol('dashboardRole');
const READ_METHODS = new Set(['GET', 'HEAD']);

/** Which token dashboardAuth let this request in with. */
export const dashboardRole = (res: Response): DashboardRole | undefined =>
  (res.locals as { [ROLE]?: DashboardRole })[ROLE];

/**
 * Guards the queue dashboard, which Nest's guards do not reach (it is Express middleware): the
 * bearer token, or HTTP basic auth with any user name and the token as password, so a browser can
 * open it. The admin token may act; the viewer token (when set) gets the read-only board and 403
 * on anything but GET. Wrong or missing credentials count as failed authentications (429 past the
 * limit); a right token always passes.
 */
export function dashboardAuth(
  adminToken: string,
  viewerToken: string | undefined,
  limits: RateLimits,
) {
  const admin = new TokenMatcher(adminToken);
  const viewer = viewerToken === undefined ? undefined : new TokenMatcher(viewerToken);
  const roleOf = (candidate: string | undefined): DashboardRole | undefined => {
    if (admin.matches(candidate)) return 'admin';
    if (viewer?.matches(candidate)) return 'viewer';
    return undefined;
  };
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const role = roleOf(bearerToken(header)) ?? roleOf(basicPassword(header));
    if (role === 'admin' || (role === 'viewer' && READ_METHODS.has(req.method))) {
      (res.locals as { [ROLE]?: DashboardRole })[ROLE] = role;
      return next();
    }
    if (role === 'viewer') {
      res.status(403).json({
        statusCode: 403,
        error: 'Forbidden',
        message: 'The viewer token may only look at the dashboard; only the admin token can act',
      });
      return;
    }
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
          'Log in with any user name and the admin (or viewer) token as password, or send a bearer token',
      });
  };
}
