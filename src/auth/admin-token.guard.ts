import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { IS_PUBLIC } from './public.decorator.js';
import { ADMIN_TOKEN, bearerToken, TokenMatcher } from './token.js';

/** Every route but @Public() ones needs `Authorization: Bearer <ADMIN_TOKEN>`. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: TokenMatcher;

  constructor(
    @Inject(ADMIN_TOKEN) token: string,
    private readonly reflector: Reflector,
  ) {
    this.token = new TokenMatcher(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const open = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (open) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (!this.token.matches(bearerToken(header))) {
      throw new UnauthorizedException('Send Authorization: Bearer <ADMIN_TOKEN>');
    }
    return true;
  }
}
