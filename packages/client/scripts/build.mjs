// Builds the package twice: ES modules to dist/esm and CommonJS to dist/cjs, each with its types
// and a package.json that tells Node (and TypeScript) which module format the folder holds.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true });
for (const [project, outDir, type] of [
  ['tsconfig.json', 'dist/esm', 'module'],
  ['tsconfig.cjs.json', 'dist/cjs', 'commonjs'],
]) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}/package.json`, `${JSON.stringify({ type }, null, 2)}\n`);
}
