import { ApiProperty } from '@nestjs/swagger';
import { RepeatCountsDto } from './coupon.dto.js';
import type { CouponView, UsageCount } from './coupons.service.js';

const COUNT = { type: 'integer', nullable: true, description: 'null = unlimited' } as const;

/** Uses left under each limit, uses held by checkout holds subtracted; null = unlimited. */
export class RemainingResponse {
  @ApiProperty(COUNT) globalTotal!: number | null;
  @ApiProperty(COUNT) userTotal!: number | null;
  @ApiProperty(COUNT) userWeekly!: number | null;
  @ApiProperty(COUNT) userDaily!: number | null;
}

/** Uses held by live checkout holds against each limit. */
export class HeldResponse {
  @ApiProperty({ type: 'integer', example: 0, description: 'Holds of all users' })
  globalTotal!: number;
  @ApiProperty({ type: 'integer', example: 0, description: "The user's holds" })
  userTotal!: number;
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: "The user's holds reserved this ISO week in COUPON_TZ",
  })
  userWeekly!: number;
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: "The user's holds reserved this day in COUPON_TZ",
  })
  userDaily!: number;
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

const GLOBAL_HELD = {
  type: 'integer',
  example: 0,
  description: 'Uses held by live checkout holds (reserved, not yet redeemed, released or expired)',
} as const;
const GLOBAL_REMAINING = {
  ...COUNT,
  description: 'What globalTotal leaves after uses and holds; null = unlimited',
} as const;

export class CouponListItemResponse extends CouponResponse {
  @ApiProperty({ type: 'integer', description: 'Uses by all users' }) globalUsed!: number;
  @ApiProperty(GLOBAL_HELD) globalHeld!: number;
  @ApiProperty(GLOBAL_REMAINING) globalRemaining!: number | null;
}

export class CouponPage {
  @ApiProperty({ type: [CouponListItemResponse] }) items!: CouponListItemResponse[];
  @ApiProperty({ example: 1 }) total!: number;
}

export class RepeatCountsResponse extends RepeatCountsDto {
  @ApiProperty({ type: 'integer', description: 'Uses by all users' }) globalUsed!: number;
  @ApiProperty(GLOBAL_HELD) globalHeld!: number;
  @ApiProperty(GLOBAL_REMAINING) globalRemaining!: number | null;
}

export class UsageCountResponse implements UsageCount {
  @ApiProperty({ type: 'integer', description: 'Uses counted' }) used!: number;
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: "Uses held by the user's live checkout holds",
  })
  held!: number;
  @ApiProperty(COUNT) limit!: number | null;
  @ApiProperty({ ...COUNT, description: 'limit - used - held, at least 0; null = unlimited' })
  remaining!: number | null;
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
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: 'Uses of this code held by live checkout holds',
  })
  held!: number;
  @ApiProperty({ ...COUNT, example: 1, description: "The batch's usesPerCode; null = unlimited" })
  limit!: number | null;
  @ApiProperty({ example: false }) revoked!: boolean;
}

export class ValidateResponse {
  @ApiProperty() valid!: boolean;
  @ApiProperty({ required: false, example: 'USER_DAILY_LIMIT_REACHED' }) reason?: string;
  @ApiProperty({ description: 'Uses left under each limit after uses counted and held' })
  remaining!: RemainingResponse;
  @ApiProperty({
    description:
      'Uses held by live checkout holds against each limit; the per-user ones are 0 without userId',
  })
  held!: HeldResponse;
  @ApiProperty({
    required: false,
    type: () => ValidatedCodeResponse,
    description: "Only when :code is one of the coupon's unique codes",
  })
  code?: ValidatedCodeResponse;
}
