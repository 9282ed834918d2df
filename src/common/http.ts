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
  app.useBodyParser('json', { limit: MAX_BODY });
  setupOpenApi(app);
}
