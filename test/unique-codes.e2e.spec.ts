import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  CodeCipher,
  CODE_BODY_LENGTH,
  placeCode,
  type UniqueCodes,
} from '../src/domain/unique-codes.js';
import { periodsAt } from '../src/domain/periods.js';
import { JobName } from '../src/redemptions/redemption.contract.js';
import { CouponRepository } from '../src/store/coupon.repository.js';
import { UsageLedger } from '../src/store/usage.ledger.js';
import { jobsFinished, startApp, TOKEN, VIEWER_TOKEN, type TestApp } from './helpers.js';

const CODE_SHAPE = (coupon: string) => new RegExp(`^${coupon}-[2-9A-HJKMNP-Z]{16}$`);

describe.each(['memory', 'redis'] as const)('unique codes with the %s store', (store) => {
  let t: TestApp;
  let coupons = 0;

  beforeAll(async () => {
    t = await startApp({ store });
  });
  afterAll(() => t.close());

  /** A new coupon for each test: one app serves the whole file. */
  const newCoupon = async (fields: object = {}) => {
    const code = `UC${++coupons}`;
    await t
      .post('/coupons', { code, discountPercentage: 10, expiresAt: '2026-12-31', ...fields })
      .expect(201);
    return code;
  };
  const viewer = () => {
    const server = request(t.app.getHttpServer());
    const as = (test: request.Test) => test.set('Authorization', `Bearer ${VIEWER_TOKEN}`);
    return {
      get: (path: string) => as(server.get(path)),
      post: (path: string, body: object) => as(server.post(path)).send(body),
      delete: (path: string) => as(server.delete(path)),
    };
  };
  const page = async (code: string, batch: number, query: string) =>
    (await t.get(`/coupons/${code}/code-batches/${batch}/codes?${query}`).expect(200)).body as {
      items: string[];
      total: number;
    };
  const storedCodes = async (code: string): Promise<UniqueCodes | undefined> =>
    (await t.app.get(CouponRepository).get(code))?.codes;

  it('creates batches at once and lists them, oldest first', async () => {
    const code = await newCoupon();
    expect((await t.get(`/coupons/${code}/code-batches`).expect(200)).body).toEqual({
      items: [],
      total: 0,
    });
    const first = await t.post(`/coupons/${code}/code-batches`, { count: 1000 }).expect(201);
    expect(first.body).toEqual({
      batch: 1,
      count: 1000,
      usesPerCode: 1,
      createdAt: '2026-11-25T12:00:00.000Z',
    });
    const second = await t
      .post(`/coupons/${code.toLowerCase()}/code-batches`, {
        count: 10_000_000,
        usesPerCode: null,
      })
      .expect(201);
    expect(second.body).toMatchObject({ batch: 2, count: 10_000_000, usesPerCode: null });
    await t.post(`/coupons/${code}/code-batches`, { count: 3, usesPerCode: 5 }).expect(201);
    const list = await t.get(`/coupons/${code}/code-batches`).expect(200);
    expect(list.body.total).toBe(3);
    expect(list.body.items.map((b: { batch: number }) => b.batch)).toEqual([1, 2, 3]);
    expect(list.body.items[2]).toEqual({
      batch: 3,
      count: 3,
      usesPerCode: 5,
      createdAt: '2026-11-25T12:00:00.000Z',
      used: 0,
    });
  });

  it('refuses bad batches with one message per bad field', async () => {
    const code = await newCoupon();
    const path = `/coupons/${code}/code-batches`;
    const COUNT = 'count must be a whole number from 1 to 10000000';
    const USES = 'usesPerCode must be a whole number from 1 to 2147483647, or null for unlimited';
    for (const [body, messages] of [
      [{}, [COUNT]],
      [{ count: 0 }, [COUNT]],
      [{ count: 1.5 }, [COUNT]],
      [{ count: '5' }, [COUNT]],
      [{ count: 10_000_001 }, [COUNT]],
      [{ count: 1, usesPerCode: 0 }, [USES]],
      [{ count: 1, usesPerCode: 2 ** 31 }, [USES]],
      [{ count: 1, usesPerCode: 'many' }, [USES]],
      [{ count: 1, owner: 'x' }, ['property owner should not exist']],
    ] as const) {
      const response = await t.post(path, body).expect(400);
      expect([body, response.body.message]).toEqual([body, messages]);
    }
    expect((await t.get(path).expect(200)).body.total).toBe(0);
  });

  it('answers 404 for an unknown coupon, batch or code, and 400 for a bad batch number', async () => {
    const code = await newCoupon();
    await t.post(`/coupons/${code}/code-batches`, { count: 5 }).expect(201);
    await t.post('/coupons/NOPE-NONE/code-batches', { count: 5 }).expect(404);
    await t.get('/coupons/NOPE-NONE/code-batches').expect(404);
    await t.get('/coupons/NOPE-NONE/code-batches/1/codes').expect(404);
    await t.get(`/coupons/${code}/code-batches/2/codes`).expect(404);
    await t.get(`/coupons/${code}/code-batches/2/codes?offset=0`).expect(404);
    const bad = await t.get(`/coupons/${code}/code-batches/one/codes`).expect(400);
    expect(bad.body.message).toEqual(['batch must be a whole number from 1 to 1000']);
    await t.get(`/coupons/${code}/code-batches/0/codes`).expect(400);
    await t.get(`/coupons/NOPE-NONE/codes/NOPE-NONE-2222222222222222`).expect(404);
  });

  it('gives out distinct codes of the right shape in JSON pages', async () => {
    const code = await newCoupon();
    await t.post(`/coupons/${code}/code-batches`, { count: 250 }).expect(201);
    await t.post(`/coupons/${code}/code-batches`, { count: 10 }).expect(201);
    const all = await page(code, 1, 'limit=1000');
    expect(all.total).toBe(250);
    expect(all.items).toHaveLength(250);
    expect(new Set(all.items).size).toBe(250);
    for (const item of all.items) expect(item).toMatch(CODE_SHAPE(code));
    const first = await page(code, 1, 'offset=0&limit=100');
    const rest = await page(code, 1, 'offset=200');
    expect(first).toEqual({ items: all.items.slice(0, 100), total: 250 });
    expect(rest).toEqual({ items: all.items.slice(200), total: 250 });
    expect(await page(code, 1, 'offset=300')).toEqual({ items: [], total: 250 });
    expect((await page(code, 1, 'limit=5')).items).toEqual(all.items.slice(0, 5));
    const other = await page(code, 2, 'offset=0');
    expect(other.total).toBe(10);
    expect(other.items.filter((item) => all.items.includes(item))).toEqual([]);
    const codes = await storedCodes(code);
    for (const item of [...all.items, ...other.items]) {
      expect(placeCode(code, codes, item)).toBeDefined();
    }
    for (const [query, message] of [
      ['limit=0', 'limit must be a whole number from 1 to 1000'],
      ['limit=1001', 'limit must be a whole number from 1 to 1000'],
      ['offset=-1', 'offset must be a whole number, 0 or more'],
      ['offset=x', 'offset must be a whole number, 0 or more'],
      ['offset=0&size=5', 'property size should not exist'],
    ]) {
      const response = await t.get(`/coupons/${code}/code-batches/1/codes?${query}`).expect(400);
      expect([query, response.body.message]).toEqual([query, [message]]);
    }
  });

  it('exports a batch as a CSV download, the same codes as the pages', async () => {
    const code = await newCoupon();
    await t.post(`/coupons/${code}/code-batches`, { count: 300 }).expect(201);
    const csv = await t.get(`/coupons/${code}/code-batches/1/codes`).expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${code}-batch-1.csv"`);
    const all = await page(code, 1, 'limit=1000');
    expect(csv.text).toBe(['code', ...all.items, ''].join('\n'));
  });

  it('lets a viewer list and export but not create or revoke, and logs each export', async () => {
    const code = await newCoupon();
    await t.post(`/coupons/${code}/code-batches`, { count: 20 }).expect(201);
    const one = (await page(code, 1, 'limit=1')).items[0]!;
    const as = viewer();
    const log = jest.spyOn(Logger.prototype, 'log');
    try {
      expect((await as.get(`/coupons/${code}/code-batches`).expect(200)).body.total).toBe(1);
      const csv = await as.get(`/coupons/${code}/code-batches/1/codes`).expect(200);
      expect(csv.text.split('\n')).toHaveLength(22);
      await as.get(`/coupons/${code}/code-batches/1/codes?offset=5&limit=2`).expect(200);
      const lines = log.mock.calls.map(([message]) => String(message));
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Export of coupon ${code} batch 1 by the viewer at \\S+: all 20 codes as CSV$`,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^Export of coupon ${code} batch 1 by the viewer at \\S+: 2 codes from position 5$`,
          ),
        ),
      ]);
    } finally {
      log.mockRestore();
    }
    await as.get(`/coupons/${code}/codes/${one}`).expect(200);
    await as.post(`/coupons/${code}/code-batches`, { count: 1 }).expect(403);
    await as.delete(`/coupons/${code}/codes/${one}`).expect(403);
    expect((await t.get(`/coupons/${code}/codes/${one}`).expect(200)).body.revoked).toBe(false);
    expect((await t.get(`/coupons/${code}/code-batches`).expect(200)).body.total).toBe(1);
  });

  it('shows one code, and revokes it once and for all', async () => {
    const code = await newCoupon();
    await t.post(`/coupons/${code}/code-batches`, { count: 2, usesPerCode: 3 }).expect(201);
    await t.post(`/coupons/${code}/code-batches`, { count: 2, usesPerCode: null }).expect(201);
    const [one, two] = (await page(code, 1, 'offset=0')).items;
    const unlimited = (await page(code, 2, 'offset=0')).items[0]!;
    const path = `/coupons/${code}/codes/${one!.toLowerCase()}`;
    expect((await t.get(path).expect(200)).body).toEqual({
      code: one,
      batch: 1,
      used: 0,
      held: 0,
      limit: 3,
      revoked: false,
    });
    expect((await t.get(`/coupons/${code}/codes/${unlimited}`).expect(200)).body).toMatchObject({
      batch: 2,
      limit: null,
    });
    const revoked = { code: one, batch: 1, used: 0, held: 0, limit: 3, revoked: true };
    expect((await t.delete(path).expect(200)).body).toEqual(revoked);
    expect((await t.delete(path).expect(200)).body).toEqual(revoked);
    expect((await t.get(path).expect(200)).body).toEqual(revoked);
    expect((await t.get(`/coupons/${code}/codes/${two}`).expect(200)).body.revoked).toBe(false);
    // A forged body (one character changed), a code of another coupon, a coupon's own code.
    const last = one!.at(-1) === '2' ? '3' : '2';
    await t.get(`/coupons/${code}/codes/${one!.slice(0, -1)}${last}`).expect(404);
    await t.delete(`/coupons/${code}/codes/${one!.slice(0, -1)}${last}`).expect(404);
    const other = await newCoupon();
    await t.post(`/coupons/${other}/code-batches`, { count: 1 }).expect(201);
    const foreign = (await page(other, 1, 'offset=0')).items[0]!;
    await t.get(`/coupons/${code}/codes/${foreign}`).expect(404);
    await t.get(`/coupons/${code}/codes/${code}`).expect(404);
  });

  it('validates a unique code with its own rules, and answers usage for its coupon', async () => {
    const code = await newCoupon();
    await t.post('/users', { id: `u-${code}`, name: 'U', email: `${code}@example.com` });
    await t.post(`/coupons/${code}/code-batches`, { count: 5, usesPerCode: 2 }).expect(201);
    const [one, two] = (await page(code, 1, 'offset=0')).items;
    const validate = async (what: string, query = `?userId=u-${code}`) =>
      (await t.get(`/coupons/${what}/validate${query}`).expect(200)).body;
    const remaining = { globalTotal: null, userTotal: null, userWeekly: null, userDaily: null };
    const held = { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 };
    expect(await validate(one!.toLowerCase())).toEqual({
      valid: true,
      remaining,
      held,
      code: { code: one, batch: 1, used: 0, held: 0, limit: 2, revoked: false },
    });
    expect(await validate(code)).toEqual({ valid: true, remaining, held });
    expect(await validate(one!, '?userId=nobody')).toMatchObject({
      valid: false,
      reason: 'USER_NOT_FOUND',
    });
    await t.delete(`/coupons/${code}/codes/${one}`).expect(200);
    expect(await validate(one!)).toEqual({
      valid: false,
      reason: 'CODE_REVOKED',
      remaining,
      held,
      code: { code: one, batch: 1, used: 0, held: 0, limit: 2, revoked: true },
    });
    // Revoked comes right after the coupon's existence: before an inactive coupon.
    await t.patch(`/coupons/${code}`, { active: false }).expect(200);
    expect(await validate(one!, '')).toMatchObject({ valid: false, reason: 'CODE_REVOKED' });
    expect(await validate(two!, '')).toMatchObject({ valid: false, reason: 'COUPON_INACTIVE' });
    // A forged code is an unknown coupon.
    const forged = `${code}-2222222222222222`;
    expect(await validate(forged)).toEqual({
      valid: false,
      reason: 'COUPON_NOT_FOUND',
      remaining: { globalTotal: 0, userTotal: 0, userWeekly: 0, userDaily: 0 },
      held,
    });
    const usage = await t.get(`/coupons/${two}/usage/u-${code}`).expect(200);
    expect(usage.body).toEqual((await t.get(`/coupons/${code}/usage/u-${code}`)).body);
    await t.get(`/coupons/${forged}/usage/u-${code}`).expect(404);
    // Other routes take only the coupon's own code.
    await t.get(`/coupons/${two}`).expect(404);
    await t.delete(`/coupons/${two}/usage/u-${code}`).expect(404);
  });

  it('shows the uses counted on a code, and validates a used-up code as CODE_LIMIT_REACHED', async () => {
    const code = await newCoupon();
    const user = `u-${code}`;
    await t.post('/users', { id: user, name: 'U', email: `${code}@example.com` }).expect(201);
    await t.post(`/coupons/${code}/code-batches`, { count: 3 }).expect(201);
    const [one] = (await page(code, 1, 'offset=0')).items;
    // One use of the code, counted as the redemption worker counts it.
    const coupon = (await t.app.get(CouponRepository).get(code))!;
    const placed = placeCode(code, coupon.codes, one!)!;
    const now = t.clock.now();
    const outcome = await t.app.get(UsageLedger).redeem({
      request: { couponCode: one!, coupon: code, userId: user, orderId: 'o1' },
      publication: '',
      outcomeKey: undefined,
      coupon,
      uniqueCode: { index: placed.index, limit: placed.batch.usesPerCode },
      periods: periodsAt(now, 'UTC'),
      now,
    });
    expect(outcome).toMatchObject({ status: 'accepted' });
    const state = { code: one, batch: 1, used: 1, held: 0, limit: 1, revoked: false };
    expect((await t.get(`/coupons/${code}/codes/${one}`).expect(200)).body).toEqual(state);
    const validated = await t.get(`/coupons/${one}/validate?userId=${user}`).expect(200);
    expect(validated.body).toMatchObject({
      valid: false,
      reason: 'CODE_LIMIT_REACHED',
      code: state,
    });
    const usage = await t.get(`/coupons/${one}/usage/${user}`).expect(200);
    expect(usage.body.userTotal).toEqual({ used: 1, held: 0, limit: null, remaining: null });
    // The user check comes first.
    expect((await t.get(`/coupons/${one}/validate?userId=nobody`)).body.reason).toBe(
      'USER_NOT_FOUND',
    );
  });

  it('lists how many codes of each batch were used: rolled back, held or revoked unused is not used', async () => {
    const code = await newCoupon();
    const user = `u-${code}`;
    await t.post('/users', { id: user, name: 'U', email: `${code}@example.com` }).expect(201);
    await t.post(`/coupons/${code}/code-batches`, { count: 3 }).expect(201);
    await t.post(`/coupons/${code}/code-batches`, { count: 4, usesPerCode: null }).expect(201);
    await t.post(`/coupons/${code}/code-batches`, { count: 2 }).expect(201);
    const [one, two, three] = await Promise.all(
      [1, 2, 3].map(async (batch) => (await page(code, batch, 'offset=0')).items),
    );
    const batches = async () => (await t.get(`/coupons/${code}/code-batches`).expect(200)).body;
    const used = async () => (await batches()).items.map((b: { used: number }) => b.used);
    expect(await used()).toEqual([0, 0, 0]);

    // Through the queue, as order systems send them: two codes of batch 1, one of batch 2 twice.
    const finished = jobsFinished(t.app, 4);
    await t.producer.addBulk(
      [
        [one![0]!, 'o1'],
        [one![1]!, 'o2'],
        [two![0]!, 'o3'],
        [two![0]!, 'o4'],
      ].map(([couponCode, orderId]) => ({
        name: JobName.Redeem,
        data: { couponCode: couponCode!, userId: user, orderId: orderId! },
      })),
    );
    await finished;
    // Through the API: another code of batch 2, rolled back after.
    await t.post('/redemptions', { couponCode: two![1], userId: user, orderId: 'o5' }).expect(201);
    expect(await used()).toEqual([2, 2, 0]);
    await t
      .post('/redemptions/rollback', { couponCode: code, userId: user, orderId: 'o5' })
      .expect(200);
    // Revoked: one code unused (still unused) and one used (still used).
    await t.delete(`/coupons/${code}/codes/${three![0]}`).expect(200);
    await t.delete(`/coupons/${code}/codes/${one![0]}`).expect(200);
    // A live hold is not a use; its redemption is.
    const held = await t
      .post('/reservations', { couponCode: three![1], userId: user, orderId: 'o6' })
      .expect(201);
    expect(held.body).toMatchObject({ status: 'reserved' });
    expect((await batches()).items).toEqual([
      { batch: 1, count: 3, usesPerCode: 1, createdAt: '2026-11-25T12:00:00.000Z', used: 2 },
      { batch: 2, count: 4, usesPerCode: null, createdAt: '2026-11-25T12:00:00.000Z', used: 1 },
      { batch: 3, count: 2, usesPerCode: 1, createdAt: '2026-11-25T12:00:00.000Z', used: 0 },
    ]);
    const confirmed = await t
      .post('/redemptions', { couponCode: three![1], userId: user, orderId: 'o6' })
      .expect(201);
    expect(confirmed.body).toMatchObject({ status: 'accepted', hold: 'confirmed' });
    expect(await used()).toEqual([2, 1, 1]);
  });

  it('never shows the secret or the batches in coupon responses', async () => {
    const code = await newCoupon();
    await t.post(`/coupons/${code}/code-batches`, { count: 7 }).expect(201);
    const { secret } = (await storedCodes(code))!;
    for (const response of [
      await t.get(`/coupons/${code}`).expect(200),
      await t.get('/coupons?limit=100').expect(200),
      await t.patch(`/coupons/${code}`, { description: 'changed' }).expect(200),
      await t.get(`/coupons/${code}/code-batches`).expect(200),
    ]) {
      expect(response.text).not.toContain(secret);
      expect(response.text).not.toContain('"codes"');
      expect(response.text).not.toContain('"secret"');
      expect(response.text).not.toContain('"first"');
    }
    expect((await t.get(`/coupons/${code}`)).body).not.toHaveProperty('codes');
  });

  it('ends the codes with their coupon: a coupon made again under the code has new ones', async () => {
    const code = await newCoupon();
    await t.post(`/coupons/${code}/code-batches`, { count: 5 }).expect(201);
    const [one] = (await page(code, 1, 'offset=0')).items;
    const { secret } = (await storedCodes(code))!;
    await t.delete(`/coupons/${code}`).expect(204);
    await t.get(`/coupons/${code}/codes/${one}`).expect(404);
    await t.post('/coupons', { code, discountPercentage: 10, expiresAt: '2026-12-31' }).expect(201);
    await t.get(`/coupons/${code}/codes/${one}`).expect(404);
    expect((await t.get(`/coupons/${one}/validate`).expect(200)).body).toMatchObject({
      valid: false,
      reason: 'COUPON_NOT_FOUND',
    });
    await t.post(`/coupons/${code}/code-batches`, { count: 5 }).expect(201);
    expect((await storedCodes(code))!.secret).not.toBe(secret);
    await t.get(`/coupons/${code}/codes/${one}`).expect(404);
    await t.get(`/coupons/${code}/code-batches/1/codes?offset=0`).expect(200);
  });

  if (store === 'memory') {
    it('refuses a batch past the 1000th with 409', async () => {
      const code = await newCoupon();
      for (let i = 0; i < 1000; i++) {
        await t.post(`/coupons/${code}/code-batches`, { count: 1 }).expect(201);
      }
      const refused = await t.post(`/coupons/${code}/code-batches`, { count: 1 }).expect(409);
      expect(refused.body.message).toBe(`Coupon ${code} already has 1000 batches of codes`);
      expect((await t.get(`/coupons/${code}/code-batches`).expect(200)).body.total).toBe(1000);
    });
  }
});

describe('the export of a 1,000,000-code batch', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
    await t.app.listen(0, '127.0.0.1');
  });
  afterAll(() => t.close());

  /**
   * Every line is checked against the code the domain derives for its place in the batch (so all
   * are distinct: the derivation permutes the index space), and one line in 50 is also placed
   * from scratch as validation places a code (placeCode takes ~15 us under Jest: 1M would take
   * 15 s). Bounded memory, shown by what the server makes while the client reads nothing: with
   * backpressure it stops once the socket's buffers are full, instead of making every chunk.
   * (The heap was a poor witness: client and server share this process, and its peak after a
   * full collection moved between 20 and 37 MiB with Node's version, near the 25 MB export.)
   */
  it('streams in bounded memory and every exported code validates', async () => {
    const COUNT = 1_000_000;
    const CHUNK = 8192;
    await t
      .post('/coupons', { code: 'MILLION', discountPercentage: 5, expiresAt: '2026-12-31' })
      .expect(201);
    await t.post('/coupons/MILLION/code-batches', { count: 10 }).expect(201);
    await t.post('/coupons/MILLION/code-batches', { count: COUNT }).expect(201);
    const coupon = (await t.app.get(CouponRepository).get('MILLION'))!;
    const batch = coupon.codes!.batches[1]!;
    // The server's cipher is codeCipher's; this one, checking, is counted apart.
    const cipher = new CodeCipher(coupon.codes!.secret);
    const made = jest.spyOn(CodeCipher.prototype, 'asciiBodies');
    const madeByServer = () => made.mock.contexts.filter((context) => context !== cipher).length;
    const { port } = t.app.getHttpServer().address() as AddressInfo;

    let madeWhilePaused = 0;
    const prefix = Buffer.from('MILLION-');
    const line = prefix.length + CODE_BODY_LENGTH + 1;
    const header = Buffer.from('code\n');
    let received = 0;
    let wrong = 0;
    let placed = 0;
    let expected: Buffer = Buffer.alloc(0);
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const call = httpGet(
        {
          port,
          host: '127.0.0.1',
          path: '/coupons/MILLION/code-batches/2/codes',
          headers: { Authorization: `Bearer ${TOKEN}` },
        },
        (response) => {
          if (response.statusCode !== 200) reject(new Error(`status ${response.statusCode}`));
          let carry = Buffer.alloc(0);
          let paused = false;
          response.on('data', (chunk: Buffer) => {
            if (!paused) {
              paused = true;
              response.pause();
              setTimeout(() => {
                madeWhilePaused = madeByServer();
                response.resume();
              }, 500);
            }
            let data = Buffer.concat([carry, chunk]);
            if (received === 0) {
              if (data.length < header.length) return void (carry = data);
              if (data.compare(header, 0, header.length, 0, header.length) !== 0) wrong++;
              data = data.subarray(header.length);
              received = header.length;
            }
            let at = 0;
            for (; at + line <= data.length; at += line) {
              const i = (received - header.length) / line;
              if (i % CHUNK === 0) {
                expected = cipher.asciiBodies(batch.first + i, Math.min(CHUNK, COUNT - i));
              }
              const body = (i % CHUNK) * CODE_BODY_LENGTH;
              const bodyAt = at + prefix.length;
              if (
                data.compare(prefix, 0, prefix.length, at, bodyAt) !== 0 ||
                data.compare(expected, body, body + CODE_BODY_LENGTH, bodyAt, at + line - 1) !==
                  0 ||
                data[at + line - 1] !== 10
              )
                wrong++;
              if (i % 50 === 0) {
                const code = data.toString('latin1', at, at + line - 1);
                const place = placeCode('MILLION', coupon.codes, code);
                if (place?.index !== batch.first + i || place.batch.batch !== 2) wrong++;
                placed++;
              }
              received += line;
            }
            carry = data.subarray(at);
          });
          response.on('end', resolve);
          response.on('error', reject);
        },
      );
      call.on('error', reject);
    });
    // Less the half second paused. Logged only: the speed target is the bench's (section i).
    const seconds = (performance.now() - started) / 1000 - 0.5;
    const chunks = Math.ceil(COUNT / CHUNK);
    console.log(
      `1,000,000 codes exported in ${seconds.toFixed(2)} s; ${madeWhilePaused} of ${chunks} chunks made while the client read nothing`,
    );
    expect(received).toBe(header.length + COUNT * line);
    expect(placed).toBe(COUNT / 50);
    expect(wrong).toBe(0);
    expect(madeByServer()).toBe(chunks);
    expect(madeWhilePaused).toBeLessThan(chunks / 4);
    made.mockRestore();
  });
});
