import { once } from 'node:events';
import { connect } from 'node:net';
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
    const port = await freePort();
    const service = run({ PORT: String(port) });
    try {
      const [, redisUrl] = await service.waitFor(
        /embedded throwaway redis-server at (redis:\/\/\S+)/,
      );
      const [, token] = await service.waitFor(/admin token is (\S+)/);
      await service.waitFor(/listening on port/);
      const url = `http://127.0.0.1:${port}/coupons`;
      expect((await fetch(url)).status).toBe(401);
      const listed = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({ items: [], total: 0 });
      expect(service.output().match(/admin token is/g)).toHaveLength(1);

      service.kill('SIGTERM');
      expect(await service.exitCode).toBe(0);
      // The embedded server went with the service.
      const { hostname, port: redisPort } = new URL(redisUrl!);
      const probe = connect(Number(redisPort), hostname);
      const [error] = await once(probe, 'error');
      expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    } finally {
      service.kill('SIGKILL');
    }
  }, 20_000);
});
