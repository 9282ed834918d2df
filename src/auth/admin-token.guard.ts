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
import { ADMIN_TOKEN, bearerToken, TokenMatcher } from './token.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Every route but @Public() ones needs a bearer token: ADMIN_TOKEN may do everything, VIEWER_TOKEN
 * (when set) may only read. No token or a wrong one: 401; a viewer writing: 403.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly admin: TokenMatcher;
  private readonly viewer: TokenMatcher | undefined;

  constructor(
    @Inject(ADMIN_TOKEN) adminToken: string,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.admin = new TokenMatcher(adminToken);
    this.viewer =
      config.viewerToken === undefined ? undefined : new TokenMatcher(config.viewerToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const token = bearerToken(request.headers.authorization);
    if (this.admin.matches(token)) return true;
    if (this.viewer?.matches(token)) {
      if (READ_METHODS.has(request.method)) return true;
      throw new ForbiddenException('The viewer token may only read (GET)');
    }
    throw new UnauthorizedException('Send Authorization: Bearer <ADMIN_TOKEN>');
  }
}
