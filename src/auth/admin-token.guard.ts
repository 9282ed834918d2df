import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { IS_PUBLIC } from './public.decorator.js';
import { RateLimits } from './rate-limits.js';
import { ADMIN_TOKEN, bearerToken, TokenMatcher } from './token.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Who made a request that passed the guard: the admin token or the viewer token. */
export type Caller = 'admin' | 'viewer';
const callers = new WeakMap<object, Caller>();

/** The token a request came with, once the guard let it in; undefined on @Public() routes. */
export const callerOf = (request: object): Caller | undefined => callers.get(request);

/**
 * Every route but @Public() ones needs a bearer token: ADMIN_TOKEN may do everything, VIEWER_TOKEN
 * (when set) may only read. No token or a wrong one: 401, or 429 once the client address has failed
 * too often; a viewer writing: 403. Requests with a valid token are rate-limited per client address
 * (429); @Public() routes are never limited, so health probes always get an answer.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly admin: TokenMatcher;
  private readonly viewer: TokenMatcher | undefined;

  constructor(
    @Inject(ADMIN_TOKEN) adminToken: string,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
    private readonly limits: RateLimits,
  ) {
    this.admin = new TokenMatcher(adminToken);
    this.viewer =
      config.viewerToken === undefined ? undefined : new TokenMatcher(config.viewerToken);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const client = request.ip ?? 'unknown';
    const token = bearerToken(request.headers.authorization);
    const admin = this.admin.matches(token);
    if (!admin && !this.viewer?.matches(token)) {
      // Only failures count towards the lockout, so guesses from an address never lock out the
      // valid token used from the same address (behind a proxy, every client's).
      await this.limits.authFailed(client);
      throw new UnauthorizedException('Send Authorization: Bearer <ADMIN_TOKEN>');
    }
    await this.limits.request(client);
    if (!admin && !READ_METHODS.has(request.method)) {
      throw new ForbiddenException('The viewer token may only read (GET)');
    }
    callers.set(request, admin ? 'admin' : 'viewer');
    return true;
  }
}
