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

/**
 * Every route but @Public() ones needs a bearer token: ADMIN_TOKEN may do everything, VIEWER_TOKEN
 * (when set) may only read. No token or a wrong one: 401; a viewer writing: 403. Requests and
 * failed authentications are rate-limited per client address (429).
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
    const request = context.switchToHttp().getRequest<Request>();
    const client = request.ip ?? 'unknown';
    await this.limits.request(client);
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    await this.limits.checkAuthFailures(client);
    const token = bearerToken(request.headers.authorization);
    if (this.admin.matches(token)) return true;
    if (this.viewer?.matches(token)) {
      if (READ_METHODS.has(request.method)) return true;
      throw new ForbiddenException('The viewer token may only read (GET)');
    }
    await this.limits.authFailed(client);
    throw new UnauthorizedException('Send Authorization: Bearer <ADMIN_TOKEN>');
  }
}
