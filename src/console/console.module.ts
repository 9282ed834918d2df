import { Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { servesAdminApi, type AppConfig } from '../config/app-config.js';

export const CONSOLE_ROUTE = '/console';

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
 * The admin console's static files under /console, in the process that serves the admin API only.
 * They need no token and hold no data: the page asks the API for everything with the bearer token
 * the user signs in with. Outside Nest's routes, so no guard runs, but helmet's headers (CSP) do.
 */
@Module({})
export class ConsoleModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConsoleModule,
      imports: servesAdminApi(config)
        ? [
            ServeStaticModule.forRoot({
              rootPath: consoleRoot(),
              serveRoot: CONSOLE_ROUTE,
              // Hash routing: no page but the index, so a missing file is a 404, not the index.
              renderPath: '/',
              serveStaticOptions: { index: 'index.html', fallthrough: true },
            }),
          ]
        : [],
    };
  }
}
