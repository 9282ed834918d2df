import { ApiProperty } from '@nestjs/swagger';
import { RemainingResponse } from '../coupons/coupon.responses.js';
import { REJECTION_REASONS } from '../domain/decide.js';
import type { RedemptionOutcome } from './redemption.contract.js';

/** The decision on one redemption; also the `redeem` job's return value. */
export class RedemptionOutcomeResponse implements RedemptionOutcome {
  @ApiProperty({ enum: ['accepted', 'rejected'] }) status!: 'accepted' | 'rejected';
  @ApiProperty({ required: false, enum: REJECTION_REASONS, description: 'When rejected' })
  reason?: RedemptionOutcome['reason'];
  @ApiProperty({ example: 'SAVE10' }) couponCode!: string;
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ required: false, example: 'order-1001' }) orderId?: string;
  @ApiProperty({ required: false, example: 10, description: 'When accepted' })
  discountPercentage?: number;
  @ApiProperty({ description: 'Uses left after this decision' }) remaining!: RemainingResponse;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) processedAt!: string;
}

export class PendingJobResponse {
  @ApiProperty({ example: 'redeem.SAVE10.order-1001' }) jobId!: string;
  @ApiProperty({ enum: ['pending'] }) status!: 'pending';
}

export class FailedJobResponse {
  @ApiProperty() jobId!: string;
  @ApiProperty({ enum: ['failed'] }) status!: 'failed';
  @ApiProperty() error!: string;
}
