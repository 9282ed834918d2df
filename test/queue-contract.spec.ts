import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { validatePlain } from '../src/common/validation.js';
import { RedeemDto } from '../src/redemptions/redeem.dto.js';
import { RollbackDto } from '../src/redemptions/rollback.dto.js';
import { RedemptionService } from '../src/redemptions/redemption.service.js';
import { JobName } from '../src/redemptions/redemption.contract.js';
import { clusterConfig, jobsFinished, startApp, type TestApp } from './helpers.js';

const schema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../docs/schemas/${name}`, import.meta.url), 'utf8')) as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true }));
const validJobData = ajv.compile(schema('redeem-job-data.schema.json'));
const validOutcome = ajv.compile(schema('redemption-outcome.schema.json'));
const validRollbackData = ajv.compile(schema('rollback-job-data.schema.json'));
const validRollbackOutcome = ajv.compile(schema('rollback-outcome.schema.json'));

describe('the JSON Schema files of the queue contract', () => {
  it.each([
    [{ couponCode: 'SAVE10', userId: 'alice' }, true],
    [{ couponCode: 'save10', userId: 'alice', orderId: 'order-1' }, true],
    [{ couponCode: 'SAVE10', userId: 'alice', extra: 1 }, false],
    [{ couponCode: 'SAVE10', userId: '' }, false],
    [{ couponCode: 'SAVE10', userId: 'x'.repeat(129) }, false],
    [{ couponCode: 'SAVE10', userId: '\u{1F600}'.repeat(128) }, true],
    [{ couponCode: 42, userId: 'alice' }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: null }, false],
    [{ userId: 'alice' }, false],
  ])('agree with the worker on job data %j', (data, valid) => {
    expect(validJobData(data)).toBe(valid);
    expect(validatePlain(RedeemDto, data).problems === undefined).toBe(valid);
  });

  it.each([
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1' }, true],
    [{ couponCode: 'SAVE10', userId: 'alice' }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: '' }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'o', extra: true }, false],
  ])('agree with the worker on rollback job data %j', (data, valid) => {
    expect(validRollbackData(data)).toBe(valid);
    expect(validatePlain(RollbackDto, data).problems === undefined).toBe(valid);
  });

  describe.each([
    ['one Redis', () => ({})],
    ['a Redis Cluster', () => clusterConfig()],
  ])('describe the outcomes the worker returns, on %s', (_on, config) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp(config());
      await t
        .post('/coupons', {
          code: 'SCHEMA',
          discountPercentage: 12.5,
          expiresAt: '2026-12-31',
          repeatCounts: { userDaily: 1 },
        })
        .expect(201);
      await t.post('/users', { id: 'u1', name: 'U', email: 'u1@example.com' }).expect(201);
    });
    afterAll(async () => t.close());

    it('accepted and rejected, with and without orderId', async () => {
      const requests = [
        { couponCode: 'schema', userId: 'u1', orderId: 'o1' },
        { couponCode: 'SCHEMA', userId: 'u1' },
        { couponCode: 'NOPE', userId: 'u1', orderId: 'o2' },
        { couponCode: 'SCHEMA', userId: 'nobody' },
      ];
      const finished = jobsFinished(t.app, requests.length);
      const jobs = [];
      for (const data of requests) jobs.push(await t.producer.add(JobName.Redeem, data));
      await finished;
      const outcomes = await Promise.all(
        jobs.map(async (job) => (await t.producer.getJob(job.id!))!.returnvalue),
      );
      expect(outcomes.map((outcome) => outcome.reason ?? outcome.status)).toEqual([
        'accepted',
        'USER_DAILY_LIMIT_REACHED',
        'COUPON_NOT_FOUND',
        'USER_NOT_FOUND',
      ]);
      for (const outcome of outcomes) {
        expect(validOutcome(outcome)).toBe(true);
      }
      expect(validOutcome({ ...outcomes[0], reason: 'COUPON_EXPIRED' })).toBe(false);
      expect(validOutcome({ ...outcomes[1], discountPercentage: 10 })).toBe(false);
    });

    it('rolled back, already rolled back, and not found', async () => {
      await t.post('/users', { id: 'u2', name: 'U', email: 'u2@example.com' }).expect(201);
      const service = t.app.get(RedemptionService);
      const order = { couponCode: 'SCHEMA', userId: 'u2', orderId: 'r1' };
      expect((await service.redeem(order)).status).toBe('accepted');
      const outcomes = [
        await service.rollback(order),
        await service.rollback(order),
        await service.rollback({ ...order, orderId: 'never' }),
      ];
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'rolled-back',
        'already-rolled-back',
        'rejected',
      ]);
      for (const outcome of outcomes) expect(validRollbackOutcome(outcome)).toBe(true);
      expect(validRollbackOutcome({ ...outcomes[1], restored: outcomes[0]!.restored })).toBe(false);
      expect(validRollbackOutcome({ ...outcomes[2], reason: undefined })).toBe(false);
    });
  });
});
