import { PassThrough } from 'node:stream';
import { prettyStream } from './logging.js';

/** What the terminal stream prints for one pino JSON line. */
async function pretty(entry: object): Promise<string> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const stream = prettyStream(out);
  stream.write(`${JSON.stringify(entry)}\n`);
  await new Promise((resolve) => setImmediate(resolve));
  return chunks.join('');
}

describe('prettyStream', () => {
  it('renders a log line for a terminal, with its context and fields', async () => {
    const line = await pretty({
      level: 30,
      time: Date.parse('2026-01-02T03:04:05.678Z'),
      pid: 1,
      hostname: 'h',
      context: 'Bootstrap',
      msg: 'listening on port 5001',
      jobId: 'j-1',
    });
    expect(line).toMatch(
      /^\[\d\d:\d\d:05\.678\] INFO: \[Bootstrap\] listening on port 5001 \{"jobId":"j-1"\}\n$/,
    );
  });

  it('renders a request line as method, path and status', async () => {
    const line = await pretty({
      level: 30,
      time: 0,
      req: { id: 'r-1', method: 'GET', url: '/coupons' },
      res: { statusCode: 200 },
      responseTime: 3,
      msg: 'request completed',
    });
    expect(line).toContain('INFO: GET /coupons 200 request completed {"responseTime":3}');
  });
});
