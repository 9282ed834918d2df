import { prettyLine } from './logging.js';

describe('prettyLine', () => {
  it('renders a log line for a terminal', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.parse('2026-01-02T03:04:05.678Z'),
      pid: 1,
      hostname: 'h',
      context: 'Bootstrap',
      msg: 'listening on port 5001',
      jobId: 'j-1',
    });
    expect(prettyLine(line)).toBe(
      '03:04:05.678 INFO  [Bootstrap] listening on port 5001 jobId=j-1',
    );
  });

  it('renders a request line without its boilerplate message', () => {
    const line = JSON.stringify({
      level: 30,
      time: 0,
      req: { id: 'r-1', method: 'GET', url: '/coupons' },
      res: { statusCode: 200 },
      responseTime: 3,
      msg: 'request completed',
    });
    expect(prettyLine(line)).toBe('00:00:00.000 INFO  GET /coupons 200 responseTime=3 id=r-1');
  });

  it('passes through what is not JSON', () => {
    expect(prettyLine('plain')).toBe('plain');
  });
});
