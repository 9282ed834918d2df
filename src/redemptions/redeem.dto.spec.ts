import fc from 'fast-check';
import { validatePlain } from '../common/validation.js';
import { RedeemDto, wellFormedRedeemData } from './redeem.dto.js';

const text = fc.oneof(
  fc.string({ maxLength: 130, unit: 'binary' }),
  fc.constantFrom('', 'x'.repeat(128), 'x'.repeat(129), '\ud800', '😀'.repeat(64), '😀'.repeat(65)),
);
const field = fc.oneof(
  text,
  fc.integer(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(text),
);
const redeemLike = fc.record(
  {
    couponCode: field,
    userId: field,
    orderId: field,
    __proto__: field,
    constructor: field,
    extra: field,
  },
  { requiredKeys: [] },
);

describe('wellFormedRedeemData, the worker fast path', () => {
  it('accepts only data that RedeemDto accepts, and keeps it as it is', () => {
    fc.assert(
      fc.property(fc.oneof(redeemLike, fc.anything()), (data) => {
        const fast = wellFormedRedeemData(data);
        if (fast === undefined) return;
        const full = validatePlain(RedeemDto, data);
        expect(full.problems).toBeUndefined();
        expect(fast).toEqual({ ...full.value });
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the common case', () => {
    expect(wellFormedRedeemData({ couponCode: 'save10', userId: 'alice', orderId: 'o-1' })).toEqual(
      { couponCode: 'save10', userId: 'alice', orderId: 'o-1' },
    );
    expect(wellFormedRedeemData({ couponCode: 'SAVE10', userId: 'alice' })).toEqual({
      couponCode: 'SAVE10',
      userId: 'alice',
    });
  });

  it('leaves anything unusual to the full check', () => {
    for (const data of [
      { couponCode: 'SAVE10', userId: 'alice', admin: true },
      { couponCode: 'SAVE10', userId: '' },
      { couponCode: 'SAVE10', userId: 'x'.repeat(129) },
      { couponCode: 'SAVE10', userId: 'alice', orderId: null },
      { couponCode: 'SAVE10', userId: '\ud800' },
      JSON.parse('{"couponCode":"SAVE10","userId":"alice","__proto__":{"x":1}}'),
      ['SAVE10'],
      null,
    ]) {
      expect(wellFormedRedeemData(data)).toBeUndefined();
    }
  });
});
