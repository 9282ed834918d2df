import { DEFAULTS } from '../config/app-config.js';
import { DEFAULT_IDEMPOTENCY_TTL_HOURS, redemptionJobOptions } from './job.options.js';

describe('redemptionJobOptions', () => {
  it('keeps a finished job as long as its outcome, and at most a day', () => {
    expect(redemptionJobOptions(168).removeOnComplete).toEqual({ age: 24 * 3600 });
    expect(redemptionJobOptions(2).removeOnComplete).toEqual({ age: 2 * 3600 });
    expect(redemptionJobOptions(2)).toMatchObject({
      attempts: 3,
      backoff: { type: 'exponential', delay: 200 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  });

  it("defaults to the service's IDEMPOTENCY_TTL_HOURS default", () => {
    expect(DEFAULT_IDEMPOTENCY_TTL_HOURS).toBe(DEFAULTS.idempotencyTtlHours);
  });
});
