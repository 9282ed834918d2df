import { ApiProperty } from '@nestjs/swagger';
import { RemainingResponse } from '../coupons/coupon.responses.js';
import { REJECTION_REASONS, type RejectionReason } from '../domain/decide.js';
import type {
  RedemptionOutcome,
  ReleaseOutcome,
  ReservationOutcome,
  RestoredCounters,
  RollbackOutcome,
} from './redemption.contract.js';

/** What a redemption's and a reserve's answers share: the code, its coupon, the user, a reason. */
abstract class CodeDecisionResponse {
  @ApiProperty({ required: false, enum: REJECTION_REASONS, description: 'When rejected' })
  reason?: RejectionReason;
  @ApiProperty({
    example: 'SAVE10',
    description: "The code as submitted, upper-case: a coupon's code or one of its unique codes",
  })
  couponCode!: string;
  @ApiProperty({
    required: false,
    example: 'SAVE10',
    description: 'When couponCode is a unique code: the code of its coupon',
  })
  coupon?: string;
  @ApiProperty({ example: 'alice' }) userId!: string;
}

/** The decision on one redemption; also the `redeem` job's return value. */
export class RedemptionOutcomeResponse extends CodeDecisionResponse implements RedemptionOutcome {
  @ApiProperty({ enum: ['accepted', 'rejected'] }) status!: 'accepted' | 'rejected';
  @ApiProperty({ required: false, example: 'order-1001' }) orderId?: string;
  @ApiProperty({ required: false, example: 10, description: 'When accepted' })
  discountPercentage?: number;
  @ApiProperty({ description: 'Uses left after this decision' }) remaining!: RemainingResponse;
  @ApiProperty({
    required: false,
    enum: ['confirmed'],
    description:
      "When accepted by confirming the order's live hold (POST /reservations): the held use is now counted, once",
  })
  hold?: 'confirmed';
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) processedAt!: string;
}

/** The decision on one reserve; also the `reserve` job's return value. */
export class ReservationOutcomeResponse extends CodeDecisionResponse implements ReservationOutcome {
  @ApiProperty({ enum: ['reserved', 'rejected'] }) status!: 'reserved' | 'rejected';
  @ApiProperty({ example: 'order-1002' }) orderId!: string;
  @ApiProperty({
    required: false,
    example: '2026-11-25T12:15:00.000Z',
    description: 'When reserved: when the hold ends by itself unless confirmed or released first',
  })
  expiresAt?: string;
  @ApiProperty({ description: 'Uses left with this hold counted' }) remaining!: RemainingResponse;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) processedAt!: string;
}

/** The result of a release; also the `release` job's return value. */
export class ReleaseOutcomeResponse implements ReleaseOutcome {
  @ApiProperty({ enum: ['released', 'rejected'] }) status!: 'released' | 'rejected';
  @ApiProperty({
    required: false,
    enum: ['RESERVATION_NOT_FOUND'],
    description: 'When rejected: no live hold of the order under this code',
  })
  reason?: 'RESERVATION_NOT_FOUND';
  @ApiProperty({ example: 'SAVE10' }) couponCode!: string;
  @ApiProperty({
    required: false,
    example: 'alice',
    description:
      "The hold's user; always in a `release` job's outcome, absent from a REST 404 that found no hold",
  })
  userId!: string;
  @ApiProperty({ example: 'order-1002' }) orderId!: string;
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

export class RestoredCountersResponse implements RestoredCounters {
  @ApiProperty() globalTotal!: boolean;
  @ApiProperty() userTotal!: boolean;
  @ApiProperty({ description: "Only while the redemption's ISO week is current" })
  userWeekly!: boolean;
  @ApiProperty({ description: "Only while the redemption's day is current" })
  userDaily!: boolean;
}

/** The result of a rollback; also the `rollback` job's return value. */
export class RollbackOutcomeResponse implements RollbackOutcome {
  @ApiProperty({
    enum: ['rolled-back', 'already-rolled-back', 'rejected'],
    description: 'already-rolled-back: an earlier rollback gave the use back; nothing changed',
  })
  status!: RollbackOutcome['status'];
  @ApiProperty({ required: false, enum: ['REDEMPTION_NOT_FOUND'], description: 'When rejected' })
  reason?: 'REDEMPTION_NOT_FOUND';
  @ApiProperty({ example: 'SAVE10' }) couponCode!: string;
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ example: 'order-1001' }) orderId!: string;
  @ApiProperty({
    required: false,
    description: 'When rolled back: the counters given the use back',
  })
  restored?: RestoredCountersResponse;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) processedAt!: string;
}
