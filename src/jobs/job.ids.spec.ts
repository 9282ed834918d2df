import { normalizeCouponCode } from '../domain/coupon.js';
import { redemptionJobId, rollbackJobId } from './job.ids.js';

describe('job ids', () => {
  it.each([
    ['save10', 'SAVE10'],
    ['Save10', 'SAVE10'],
  ])('gives %s the job id of %s, as the service matches codes', (code, same) => {
    expect(redemptionJobId(code, 'ord-1')).toBe(redemptionJobId(same, 'ord-1'));
    expect(rollbackJobId(code, 'ord-1', 'u')).toBe(rollbackJobId(same, 'ord-1', 'u'));
  });

  // Full Unicode case mapping turns these into ASCII codes, which the service does not do: they
  // are other coupons, and must not share an order's job (and so its outcome) with them.
  it.each([
    ['pr\u0131ce10', 'PRICE10'], // dotless i
    ['stra\u00DFe1', 'STRASSE1'], // sharp s
    ['\u017Ftrasse1', 'STRASSE1'], // long s
  ])('gives %s a job id of its own, not that of %s', (code, other) => {
    expect(redemptionJobId(code, 'ord-1')).not.toBe(redemptionJobId(other, 'ord-1'));
    expect(rollbackJobId(code, 'ord-1', 'u')).not.toBe(rollbackJobId(other, 'ord-1', 'u'));
    expect(redemptionJobId(code, 'ord-1')).toBe(
      redemptionJobId(normalizeCouponCode(code), 'ord-1'),
    );
  });

  it('keeps ids free of ":" and the parts apart', () => {
    expect(redemptionJobId('a:b.c', 'o.1:2')).toBe('redeem.A%3AB%2EC.o%2E1%3A2');
    expect(redemptionJobId('a.b', 'c')).not.toBe(redemptionJobId('a', 'b.c'));
  });
});
