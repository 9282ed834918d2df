import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig } from '../config/app-config.js';
import { setupOpenApi } from './openapi.js';

/** Largest JSON body accepted; larger ones get 413 before anything reads them. */
export const MAX_BODY = '64kb';

/** What the HTTP side needs beyond the modules; the app must be created with `bodyParser: false`. */
export function configureHttp(app: NestExpressApplication, config: AppConfig): void {
  // req.ip, which the rate limits key on, is the client named by the trusted proxies, if any.
  app.set('trust proxy', config.trustProxy);
  app.use(helmet());
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins });
  app.use(requireJsonBody);
  app.useBodyParser('json', { limit: MAX_BODY });
  setupOpenApi(app, config.couponTz);
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * A body sent as anything but JSON gets 415 saying so: the JSON parser would leave it unread, and
 * validation would then complain about every field instead of the real problem.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (!WITH_BODY.has(req.method) || !hasBody || req.is('application/json')) return next();
  const type = req.headers['content-type'];
  next(
    new UnsupportedMediaTypeException(
      type
        ? `Content-Type must be application/json, not ${type}`
        : 'Content-Type must be application/json; the request has a body but no Content-Type',
    ),
  );
}
