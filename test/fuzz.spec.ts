import { UnrecoverableError, type Job } from 'bullmq';
import fc from 'fast-check';
import request from 'supertest';
import { JobName } from '../src/redemptions/redemption.contract.js';
import { RedemptionProcessor } from '../src/redemptions/redemption.processor.js';
import { startApp, TOKEN, type TestApp } from './helpers.js';

/** Values a hostile client might send: anything JSON, with keys and strings chosen to hurt. */
const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'code',
    'couponCode',
    'userId',
    'orderId',
    'repeatCounts',
  ),
  fc.string({ maxLength: 12 }),
);
const hostileString = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '\ud800',
    'SAVE10',
    'save10',
    '2026-02-30',
    '../../etc/passwd',
    '<script>',
    'x'.repeat(129),
    '',
  ),
);
const { value: hostileValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }),
  ),
}));
/** Mostly objects shaped like the real bodies, so that deeper checks are reached too. */
const hostileBody = fc.oneof(
  fc.dictionary(hostileKey, hostileValue, { maxKeys: 8 }),
  fc.record(
    {
      code: hostileValue,
      couponCode: hostileValue,
      userId: hostileValue,
      discountPercentage: fc.oneof(fc.double(), hostileValue),
      expiresAt: hostileValue,
      repeatCounts: hostileValue,
    },
    { requiredKeys: [] },
  ),
  hostileValue,
);

const RUNS = 400;

describe('fuzzing with hostile input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
    await t
      .post('/coupons', { code: 'FUZZ10', discountPercentage: 10, expiresAt: '2099-12-31' })
      .expect(201);
    await t.post('/users', { id: 'alice', name: 'Alice', email: 'alice@example.com' }).expect(201);
  });
  afterAll(async () => t.close());

  const snapshot = async () => ({
    coupons: (await t.get('/coupons?limit=100').expect(200)).body,
    users: (await t.get('/users?limit=100').expect(200)).body,
    usage: (await t.get('/coupons/FUZZ10/usage/alice').expect(200)).body,
  });

  it.each([
    ['POST', '/coupons'],
    ['PATCH', '/coupons/FUZZ10'],
    ['PUT', '/coupons/FUZZ10/repeat-counts'],
    ['POST', '/users'],
    ['POST', '/redemptions'],
  ])(
    `never answers %s %s with a 5xx, and stores nothing it refuses (${RUNS} bodies)`,
    async (method, path) => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(hostileBody, async (body) => {
          const call = request(t.app.getHttpServer())
            [method.toLowerCase() as 'post' | 'patch' | 'put'](path)
            .set('Authorization', `Bearer ${TOKEN}`)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          const response = await call;
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.body).toMatchObject({
              statusCode: response.status,
              error: expect.any(String),
            });
            expect(await snapshot()).toEqual(before);
          } else {
            // Random input that happens to be valid: undo nothing, but take a new baseline.
            Object.assign(before, await snapshot());
          }
        }),
        { numRuns: RUNS },
      );
    },
    120_000,
  );

  it(`fails every hostile job payload at once and never crashes the worker (${RUNS * 5} payloads)`, async () => {
    const processor = t.app.get(RedemptionProcessor);
    const before = await snapshot();
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        hostileBody,
        fc.constantFrom(JobName.Redeem, 'redeem ', 'refund'),
        async (data, name) => {
          const job = { id: 'fuzz', name, data, timestamp: Date.now(), opts: {} } as unknown as Job;
          try {
            const outcome = await processor.process(job);
            expect(outcome.status).toMatch(/^(accepted|rejected)$/);
          } catch (error) {
            expect(error).toBeInstanceOf(UnrecoverableError);
            refused++;
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
    expect(refused).toBeGreaterThan(RUNS);
    expect(await snapshot()).toEqual(before);
    await t.get('/health/ready').expect(200);
  }, 120_000);
});
