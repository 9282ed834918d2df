import { once } from 'node:events';
import { connect } from 'node:net';
import { Queue } from 'bullmq';
import { REDEMPTION_QUEUE } from '../src/redemptions/redemption.contract.js';
import { freePort, run } from './processes.js';

describe('starting the service', () => {
  it('stops at once with a one-line reason on a bad setting', async () => {
    const service = run({ PORT: 'eighty', COUPON_TZ: 'Nowhere/Special' });
    expect(await service.exitCode).toBe(1);
    expect(service.output().trim()).toBe(
      'Invalid configuration: PORT must be a whole number from 0 to 65535; COUPON_TZ must be an IANA time zone such as UTC or Europe/Berlin',
    );
  });

  it('stops with a clear message when REDIS_URL cannot be reached', async () => {
    const port = await freePort();
    const service = run({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(await service.exitCode).toBe(1);
    expect(service.output()).toContain(`Cannot reach Redis at redis://127.0.0.1:${port}`);
  });

  it('runs on an embedded Redis without REDIS_URL, makes and logs a token, and shuts down cleanly', async () => {
    // Port 0: a port picked here could be picked again for the embedded Redis, which binds first.
    const service = run({ PORT: '0' });
    try {
      const [, redisUrl] = await service.waitFor(
        /^Embedded Redis for this run: (redis:\/\/\S+) \(data is lost at exit\)$/m,
      );
      const [, token] = await service.waitFor(
        /^Admin token for this run \(ADMIN_TOKEN is unset\): ([\w-]+)$/m,
      );
      const [, port] = await service.waitFor(/listening on port (\d+)/);
      const url = `http://127.0.0.1:${port}/coupons`;
      expect((await fetch(url)).status).toBe(401);
      const listed = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({ items: [], total: 0 });
      // The built service serves the built console (dist/web/console), with no token.
      const consolePage = await fetch(`http://127.0.0.1:${port}/console`);
      expect(consolePage.status).toBe(200);
      expect(await consolePage.text()).toContain('<title>Coupon console</title>');
      // Shown once, on its own line, and nowhere in the log.
      expect(service.output().split(token!)).toHaveLength(2);
      // At info level: no module or route chatter, request lines without headers.
      expect(service.output()).not.toMatch(/Mapped \{|dependencies initialized/);
      // The line is written once the response is sent, so it may arrive after the answer.
      const [requestLine] = await service.waitFor(/^.*"url":"\/coupons".*$/m);
      expect(JSON.parse(requestLine)).toMatchObject({ req: { method: 'GET', url: '/coupons' } });
      expect(requestLine).not.toContain('headers');

      service.kill('SIGTERM');
      expect(await service.exitCode).toBe(0);
      // The embedded server went with the service.
      const { hostname, port: redisPort } = new URL(redisUrl!);
      const probe = connect(Number(redisPort), hostname);
      const [error] = await once(probe, 'error');
      expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    } finally {
      // If a check failed first: a graceful stop, so the embedded redis-server goes too.
      service.kill('SIGTERM');
      await service.exitCode;
    }
  }, 90_000);

  it('logs JSON with request ids and job ids, never the token, and exits 0 on SIGINT', async () => {
    const token = 'a-secret-token-never-logged';
    const service = run({ PORT: '0', ADMIN_TOKEN: token, LOG_LEVEL: 'debug' });
    try {
      const [, redisUrl] = await service.waitFor(
        /Embedded Redis for this run: (redis:\/\/[\d.:]+)/,
      );
      const [, port] = await service.waitFor(/listening on port (\d+)/);
      const headers = {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'X-Request-Id': 'req-42',
      };
      const created = await fetch(`http://127.0.0.1:${port}/coupons`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ code: 'LOGS', discountPercentage: 5, expiresAt: '2099-01-01' }),
      });
      expect(created.headers.get('x-request-id')).toBe('req-42');
      await fetch(`http://127.0.0.1:${port}/redemptions`, {
        method: 'POST',
        headers: { ...headers, 'X-Request-Id': 'req-43' },
        body: JSON.stringify({ couponCode: 'LOGS', userId: 'nobody', orderId: 'o-1' }),
      });
      await service.waitFor(/"msg":"redeem decided"/);
      // LOG_LEVEL=debug lists the routes.
      expect(service.output()).toContain('"msg":"Mapped {/coupons, POST} route"');
      // A job with bad data, published straight to the queue, fails with its job id in the log.
      const queue = new Queue(REDEMPTION_QUEUE, { connection: { url: redisUrl! }, prefix: 'bull' });
      await queue.add('redeem', { couponCode: 7, userId: 'x' } as never, { jobId: 'bad-data-1' });
      await queue.close();
      await service.waitFor(/"msg":"job failed"/);
      await service.waitFor(/"id":"req-43"/);
      const lines = service
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(
        lines.find((line) => (line.req as { id?: string } | undefined)?.id === 'req-42'),
      ).toMatchObject({
        req: { method: 'POST', url: '/coupons', headers: { authorization: '[redacted]' } },
      });
      expect(lines.find((line) => line.msg === 'job failed')).toMatchObject({
        level: 40,
        queue: 'coupon-redemptions',
        jobId: 'bad-data-1',
        error: expect.stringContaining('couponCode must be a string'),
      });
      expect(lines.find((line) => line.msg === 'redeem decided')).toMatchObject({
        jobId: 'redeem.LOGS.o-1',
        status: 'rejected',
        reason: 'USER_NOT_FOUND',
      });
      expect(service.output()).not.toContain(token);

      service.kill('SIGINT');
      expect(await service.exitCode).toBe(0);
    } finally {
      // If a check failed first: a graceful stop, so the embedded redis-server goes too.
      service.kill('SIGTERM');
      await service.exitCode;
    }
  }, 90_000);
});
