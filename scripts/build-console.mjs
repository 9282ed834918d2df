// Builds the admin console into dist/web/console: its TypeScript modules (tsc, no bundler: the
// page loads them as ES modules), its page and style sheet, and uPlot's own files, which the page
// loads itself, so nothing is fetched from a CDN at run time. The folder is replaced, not merged.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const target = 'dist/web/console';
rmSync(target, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'web/console/tsconfig.json'], { stdio: 'inherit' });
mkdirSync(`${target}/vendor`, { recursive: true });
for (const file of ['index.html', 'console.css']) {
  copyFileSync(`web/console/${file}`, `${target}/${file}`);
}
for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
  copyFileSync(`node_modules/uplot/dist/${file}`, `${target}/vendor/${file}`);
}
