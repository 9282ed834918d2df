/**
 * The typed client as order systems get it: `npm pack` the workspace package, install the tarball
 * into a fresh project of its own, and redeem and roll back against a running service, once from
 * an ES module and once from CommonJS. Also type-checks both entry points the way a consumer with
 * moduleResolution nodenext would.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REDIS_URL, startApp, type TestApp } from './helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGE = '@coupon-code-service/client';

/** npm, without the npm_* settings an enclosing `npm test` passes down (workspace, prefix…). */
function npm(args: string[], cwd: string, timeout = 120_000) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
  );
  return run('npm', args, { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 });
}

const ESM_SCRIPT = `import { CouponClient } from '${PACKAGE}';
const [url, prefix, couponCode, orderId] = process.argv.slice(2);
const client = new CouponClient({ connection: { url }, prefix, timeoutMs: 10000 });
try {
  const redeemed = await client.redeem({ couponCode, userId: 'u1', orderId });
  const rolledBack = await client.rollback({ couponCode, userId: 'u1', orderId });
  console.log(JSON.stringify({ redeemed, rolledBack }));
} finally {
  await client.close();
}
`;

const CJS_SCRIPT = `const { CouponClient } = require('${PACKAGE}');
const [url, prefix, couponCode, orderId] = process.argv.slice(2);
async function main() {
  const client = new CouponClient({ connection: { url }, prefix, timeoutMs: 10000 });
  try {
    const redeemed = await client.redeem({ couponCode, userId: 'u1', orderId });
    const rolledBack = await client.rollback({ couponCode, userId: 'u1', orderId });
    console.log(JSON.stringify({ redeemed, rolledBack }));
  } finally {
    await client.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/** A consumer's TypeScript: wrong field types must not compile, right ones must. */
const typedUse = (importLine: string) => `${importLine}
const client = new CouponClient({ connection: { url: 'redis://127.0.0.1:6379' }, prefix: 'bull' });
export async function use(): Promise<string> {
  const outcome: RedemptionOutcome = await client.redeem({ couponCode: 'C', userId: 'u', orderId: 'o' });
  const back: RollbackOutcome = await client.rollback({ couponCode: 'C', userId: 'u', orderId: 'o' });
  const reason: RejectionReason | undefined = outcome.reason;
  const held: ReservationOutcome = await client.reserve({ couponCode: 'C', userId: 'u', orderId: 'o', ttlSeconds: 60 });
  const freed: ReleaseOutcome = await client.release({ couponCode: 'C', userId: 'u', orderId: 'o' });
  return \`\${outcome.status} \${back.status} \${reason ?? ''} \${held.expiresAt ?? ''} \${freed.status}\`;
}
`;

interface ScriptOutput {
  redeemed: { status: string; couponCode: string; userId: string; orderId: string };
  rolledBack: { status: string; orderId: string; restored?: { globalTotal: boolean } };
}

describe(`${PACKAGE} packed, installed into a fresh project, used from ESM and CommonJS`, () => {
  let work: string;
  let project: string;
  let t: TestApp;
  const code = 'PACKED-CLIENT';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'client-package-'));
    project = join(work, 'consumer');
    const packed = await npm(
      ['pack', '--workspace', PACKAGE, '--pack-destination', work, '--json'],
      root,
    );
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const tarball = join(work, filename);

    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2),
    );
    await npm(
      ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      project,
    );
    writeFileSync(join(project, 'redeem.mjs'), ESM_SCRIPT);
    writeFileSync(join(project, 'redeem.cjs'), CJS_SCRIPT);

    t = await startApp();
    await t.post('/users', { id: 'u1', name: 'u1', email: 'u1@example.com' }).expect(201);
    await t
      .post('/coupons', {
        code,
        discountPercentage: 10,
        expiresAt: '2099-12-31',
        repeatCounts: { globalTotal: 5 },
      })
      .expect(201);
  }, 240_000);

  afterAll(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs with bullmq and ioredis, and nothing of the service (no NestJS)', () => {
    const modules = join(project, 'node_modules');
    expect(existsSync(join(modules, '@coupon-code-service', 'client', 'dist', 'esm'))).toBe(true);
    expect(existsSync(join(modules, '@coupon-code-service', 'client', 'dist', 'cjs'))).toBe(true);
    expect(existsSync(join(modules, 'bullmq'))).toBe(true);
    expect(existsSync(join(modules, 'ioredis'))).toBe(true);
    expect(existsSync(join(modules, '@nestjs'))).toBe(false);
    for (const absent of ['@bull-board', '@nestjs', 'class-validator', 'prom-client', 'pino']) {
      expect(readdirSync(modules)).not.toContain(absent);
    }
  });

  it.each([
    ['ESM (import)', 'redeem.mjs', 'order-esm'],
    ['CommonJS (require)', 'redeem.cjs', 'order-cjs'],
  ])(
    'redeems and rolls back from %s',
    async (_label, script, orderId) => {
      const { stdout } = await run(
        process.execPath,
        [script, t.config.redisUrl ?? REDIS_URL, t.config.queuePrefix, code.toLowerCase(), orderId],
        { cwd: project, timeout: 30_000 },
      );
      const output = JSON.parse(stdout) as ScriptOutput;
      expect(output.redeemed).toMatchObject({
        status: 'accepted',
        couponCode: code,
        userId: 'u1',
        orderId,
      });
      expect(output.rolledBack).toMatchObject({
        status: 'rolled-back',
        orderId,
        restored: { globalTotal: true },
      });
      const counts = await t.get(`/coupons/${code}/repeat-counts`).expect(200);
      expect((counts.body as { globalUsed: number }).globalUsed).toBe(0);
    },
    60_000,
  );

  it('type-checks from .mts and .cts under moduleResolution nodenext', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['use.mts', 'use.cts'],
      }),
    );
    const names =
      'CouponClient, type RedemptionOutcome, type RollbackOutcome, type RejectionReason, ' +
      'type ReservationOutcome, type ReleaseOutcome';
    writeFileSync(join(project, 'use.mts'), typedUse(`import { ${names} } from '${PACKAGE}';`));
    writeFileSync(join(project, 'use.cts'), typedUse(`import { ${names} } from '${PACKAGE}';`));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(
      run(process.execPath, [tsc, '-p', project], { cwd: project, timeout: 60_000 }),
    ).resolves.toBeDefined();
    // And a wrong call is caught by those types.
    writeFileSync(
      join(project, 'use.cts'),
      `import { CouponClient } from '${PACKAGE}';\nnew CouponClient({ connection: {} }).redeem({ couponCode: 'C', userId: 'u' });\n`,
    );
    const failed = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch(
      (error: { stdout: string }) => error,
    );
    expect('stdout' in failed ? failed.stdout : '').toContain("'orderId'");
  }, 90_000);
});
