import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';

export const CONSOLE_ROUTE = 'console';

/**
 * Where `npm run build` puts the console (scripts/build-console.mjs): beside the compiled server
 * (dist/console -> dist/web/console), or, when the server runs from its sources as in the tests,
 * in the package's dist/.
 */
export function consoleRoot(): string {
  const candidates = ['../web/console/', '../../dist/web/console/'].map((path) =>
    fileURLToPath(new URL(path, import.meta.url)),
  );
  return candidates.find((path) => existsSync(`${path}index.html`)) ?? candidates[0]!;
}

/**
 * The console's files under /console: the page at /console itself, a missing file 404 (hash
 * routing: there is no other page to fall back to). Paths are taken from the original URL, as
 * Nest's middleware paths do not strip their prefix the way express's app.use does.
 */
export function consoleFiles(root: string) {
  const files = express.static(root, { index: false, redirect: false, fallthrough: true });
  const prefix = `/${CONSOLE_ROUTE}`;
  return (req: Request, res: Response, next: NextFunction) => {
    const url = new URL(req.originalUrl, 'http://console.invalid');
    const rest = url.pathname.slice(prefix.length);
    if (!url.pathname.startsWith(prefix) || (rest !== '' && !rest.startsWith('/'))) return next();
    const original = req.url;
    // The page itself at /console and /console/ alike (serve-static would redirect the first).
    req.url = `${rest === '' || rest === '/' ? '/index.html' : rest}${url.search}`;
    files(req, res, (error?: unknown) => {
      req.url = original;
      next(error);
    });
  };
}

/**
 * The admin console's static files, in a process that serves the admin API only (not ROLE=worker).
 * They need no token and hold no data: the page asks the API for everything with the bearer token
 * the user signs in with. Middleware, not a route, so no guard runs; helmet's headers (CSP) do.
 * (@nestjs/serve-static picks its loader when the module is compiled: under
 * Test.createTestingModule there is no HTTP adapter yet, so it serves nothing in the e2e tests,
 * nestjs/serve-static#240; it would also add an app-wide error handler.)
 */
@Module({})
export class ConsoleModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: servesAdminApi(config) ? ConsoleModule : ConsoleOffModule };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(consoleFiles(consoleRoot())).forRoutes(CONSOLE_ROUTE);
  }
}

/** What a worker process has in the console's place: nothing. */
@Module({})
class ConsoleOffModule {}
