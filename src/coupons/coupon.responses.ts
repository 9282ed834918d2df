import { ApiProperty } from '@nestjs/swagger';
import { RepeatCountsDto } from './coupon.dto.js';
import type { CouponView, UsageCount } from './coupons.service.js';

const COUNT = { type: 'integer', nullable: true, description: 'null = unlimited' } as const;

/** Uses left under each limit; null = unlimited. */
export class RemainingResponse {
  @ApiProperty(COUNT) globalTotal!: number | null;
  @ApiProperty(COUNT) userTotal!: number | null;
  @ApiProperty(COUNT) userWeekly!: number | null;
  @ApiProperty(COUNT) userDaily!: number | null;
}

export class CouponResponse implements CouponView {
  @ApiProperty({ example: 'SAVE10' }) code!: string;
  @ApiProperty({ example: 10 }) discountPercentage!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2026-12-01T00:00:00.000Z',
    description: 'In COUPON_TZ',
  })
  startsAt!: string | null;
  @ApiProperty({
    example: '2026-12-31T23:59:59.999Z',
    description: 'Last valid instant, in COUPON_TZ',
  })
  expiresAt!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: () => RepeatCountsDto }) repeatCounts!: CouponView['repeatCounts'];
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class CouponListItemResponse extends CouponResponse {
  @ApiProperty({ type: 'integer', description: 'Uses by all users' }) globalUsed!: number;
  @ApiProperty({ ...COUNT, description: 'What globalTotal leaves; null = unlimited' })
  globalRemaining!: number | null;
}

export class CouponPage {
  @ApiProperty({ type: [CouponListItemResponse] }) items!: CouponListItemResponse[];
  @ApiProperty({ example: 1 }) total!: number;
}

export class RepeatCountsResponse extends RepeatCountsDto {
  @ApiProperty({ type: 'integer' }) globalUsed!: number;
  @ApiProperty(COUNT) globalRemaining!: number | null;
}

export class UsageCountResponse implements UsageCount {
  @ApiProperty({ type: 'integer' }) used!: number;
  @ApiProperty(COUNT) limit!: number | null;
  @ApiProperty(COUNT) remaining!: number | null;
}

export class UsageResponse {
  @ApiProperty() userTotal!: UsageCountResponse;
  @ApiProperty({ description: 'This day in COUPON_TZ' }) userDaily!: UsageCountResponse;
  @ApiProperty({ description: 'This ISO week in COUPON_TZ' }) userWeekly!: UsageCountResponse;
}

/** A unique code's own state, as validate shows it. */
export class ValidatedCodeResponse {
  @ApiProperty({ example: 'SAVE10-7KQ2M9XR4TD8HPZ3', description: 'Upper-case' }) code!: string;
  @ApiProperty({ type: 'integer', example: 1 }) batch!: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'Uses counted on this code' })
  used!: number;
  @ApiProperty({ ...COUNT, example: 1, description: "The batch's usesPerCode; null = unlimited" })
  limit!: number | null;
  @ApiProperty({ example: false }) revoked!: boolean;
}

export class ValidateResponse {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ required: false, example: 'USER_DAILY_LIMIT_REACHED' }) reason?: string;
  @ApiProperty() remaining!: RemainingResponse;
  @ApiProperty({
    required: false,
    type: () => ValidatedCodeResponse,
    description: "Only when :code is one of the coupon's unique codes",
  })
  code?: ValidatedCodeResponse;
}
