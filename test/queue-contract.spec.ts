import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { validatePlain } from '../src/common/validation.js';
import { RedeemDto } from '../src/redemptions/redeem.dto.js';
import { RollbackDto } from '../src/redemptions/rollback.dto.js';
import { ReleaseDto, ReserveDto } from '../src/redemptions/reservation.dto.js';
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
const validReserveData = ajv.compile(schema('reserve-job-data.schema.json'));
const validReservationOutcome = ajv.compile(schema('reservation-outcome.schema.json'));
const validReleaseData = ajv.compile(schema('release-job-data.schema.json'));
const validReleaseOutcome = ajv.compile(schema('release-outcome.schema.json'));

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

  it.each([
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1' }, true],
    [{ couponCode: 'save10', userId: 'alice', orderId: 'order-1', ttlSeconds: 1 }, true],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1', ttlSeconds: 86_400 }, true],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1', ttlSeconds: 0 }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1', ttlSeconds: 86_401 }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1', ttlSeconds: 1.5 }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1', ttlSeconds: '60' }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1', ttlSeconds: null }, false],
    [{ couponCode: 'SAVE10', userId: 'alice' }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'o', extra: 1 }, false],
  ])('agree with the worker on reserve job data %j', (data, valid) => {
    expect(validReserveData(data)).toBe(valid);
    expect(validatePlain(ReserveDto, data).problems === undefined).toBe(valid);
  });

  it.each([
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1' }, true],
    [{ couponCode: 'SAVE10', orderId: 'order-1' }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: '' }, false],
    [{ couponCode: 'SAVE10', userId: 'alice', orderId: 'order-1', ttlSeconds: 60 }, false],
  ])('agree with the worker on release job data %j', (data, valid) => {
    expect(validReleaseData(data)).toBe(valid);
    expect(validatePlain(ReleaseDto, data).problems === undefined).toBe(valid);
  });

  // Holds on the redis store come with its hold scripts; the one-Redis memory store has them.
  describe('describe the hold outcomes the worker returns (memory store)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startApp();
      await t
        .post('/coupons', {
          code: 'HOLDS',
          discountPercentage: 12.5,
          expiresAt: '2026-12-31',
          repeatCounts: { globalTotal: 2 },
        })
        .expect(201);
      for (const id of ['u1', 'u2', 'u3']) {
        await t.post('/users', { id, name: 'U', email: `${id}@example.com` }).expect(201);
      }
    });
    afterAll(async () => t.close());

    it('reserved, rejected, released, not found, and a redeem that confirmed a hold', async () => {
      const service = t.app.get(RedemptionService);
      const held = { couponCode: 'holds', userId: 'u1', orderId: 'h1' };
      const reservations = [
        await service.reserve({ ...held, ttlSeconds: 60 }),
        await service.reserve({ couponCode: 'HOLDS', userId: 'u2', orderId: 'h2' }),
        await service.reserve({ couponCode: 'HOLDS', userId: 'u3', orderId: 'h3' }),
        await service.reserve({ couponCode: 'NOPE', userId: 'u3', orderId: 'h4' }),
      ];
      expect(reservations.map((outcome) => outcome.reason ?? outcome.status)).toEqual([
        'reserved',
        'reserved',
        'GLOBAL_LIMIT_REACHED',
        'COUPON_NOT_FOUND',
      ]);
      for (const outcome of reservations) expect(validReservationOutcome(outcome)).toBe(true);
      expect(validReservationOutcome({ ...reservations[0], reason: 'ORDER_CONFLICT' })).toBe(false);
      expect(validReservationOutcome({ ...reservations[0], expiresAt: undefined })).toBe(false);
      expect(
        validReservationOutcome({ ...reservations[2], expiresAt: reservations[0]!.expiresAt }),
      ).toBe(false);

      const confirmed = await service.redeem(held);
      expect(confirmed).toMatchObject({ status: 'accepted', hold: 'confirmed' });
      expect(validOutcome(confirmed)).toBe(true);
      expect(validOutcome({ ...confirmed, hold: 'held' })).toBe(false);
      const refused = await service.redeem({ couponCode: 'HOLDS', userId: 'u3', orderId: 'h5' });
      expect(refused.reason).toBe('GLOBAL_LIMIT_REACHED');
      expect(validOutcome({ ...refused, hold: 'confirmed' })).toBe(false);

      const releases = [
        await service.release({ couponCode: 'HOLDS', userId: 'u2', orderId: 'h2' }),
        await service.release({ couponCode: 'HOLDS', userId: 'u2', orderId: 'h2' }),
      ];
      expect(releases.map((outcome) => outcome.status)).toEqual(['released', 'rejected']);
      for (const outcome of releases) expect(validReleaseOutcome(outcome)).toBe(true);
      expect(validReleaseOutcome({ ...releases[0], reason: 'RESERVATION_NOT_FOUND' })).toBe(false);
      expect(validReleaseOutcome({ ...releases[1], reason: undefined })).toBe(false);
      expect(validReleaseOutcome({ ...releases[0], userId: undefined })).toBe(false);
      // DELETE /reservations answers a 404 without a user when it found no hold to name one.
      const notFound = await t.delete('/reservations/HOLDS/h2').expect(404);
      expect(notFound.body.userId).toBeUndefined();
      expect(validReleaseOutcome(notFound.body)).toBe(true);
    });
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
