import { request as httpRequest } from 'node:http';
import { startApp, type TestApp } from './helpers.js';

const NOW = '2026-12-02T10:00:00Z';

/** A raw GET: the path goes on the wire exactly as written (no client-side normalization). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console static files under review, over HTTP', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startApp({}, NOW);
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('suspicions that held', () => {
    it.each([
      '/console/../package.json',
      '/console/%2e%2e/package.json',
      '/console/%2E%2E/%2E%2E/package.json',
      '/console/..%2fpackage.json',
      '/console/..%2f..%2f..%2fpackage.json',
      '/console/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
      '/console/js/..%2f..%2f..%2f..%2fpackage.json',
      '/console/..\\..\\..\\package.json',
      '/console/..%5c..%5c..%5cpackage.json',
      '/console//etc/passwd',
      '/console/%2fetc%2fpasswd',
      '/console/js/../../../../../etc/passwd',
      '/console/..%00/package.json',
      '/console%2f..%2f..%2fpackage.json',
    ])('serves nothing outside dist/web/console for %s', async (path) => {
      const { status, body } = await rawGet(port, path);
      expect(body).not.toMatch(/"devDependencies"|root:x:0:0/);
      expect(status).not.toBe(200);
    });

    it.each(['/console/js/', '/console/vendor', '/console/js', '/console/./js/'])(
      'lists no directory at %s',
      async (path) => {
        const { status, body } = await rawGet(port, path);
        expect(body).not.toMatch(/main\.js|uPlot\.iife/);
        expect(status).not.toBe(200);
      },
    );

    it('serves the page with a CSP that forbids inline scripts and other origins, and no data', async () => {
      const page = await t.get('/console/').expect(200);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/default-src 'self'/);
      expect(page.text).not.toMatch(/test-admin-token|test-viewer-token/);
      for (const file of ['/console/js/main.js', '/console/js/api.js']) {
        const response = await t.get(file).expect(200);
        expect(response.headers['content-security-policy']).toBe(csp);
        expect(response.text).not.toMatch(
          /localStorage|document\.cookie|innerHTML|insertAdjacentHTML/,
        );
      }
    });

    it('serves no console in a ROLE=worker process', async () => {
      const worker = await startApp({ role: 'worker' }, NOW);
      try {
        await worker.app.listen(0, '127.0.0.1');
        const workerPort = (worker.app.getHttpServer().address() as { port: number }).port;
        for (const path of [
          '/console',
          '/console/',
          '/console/js/main.js',
          '/console/index.html',
        ]) {
          expect((await rawGet(workerPort, path)).status).toBe(404);
        }
      } finally {
        await worker.close();
      }
    });
  });
});
