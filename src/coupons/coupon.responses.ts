import { ApiProperty } from '@nestjs/swagger';
import { RepeatCountsDto } from './coupon.dto.js';
import type { CouponStatus } from '../domain/coupon.js';
import type { UserUses, WindowReport } from '../domain/report.js';
import type { BusiestUsersView, CouponView, HoldView, UsageCount } from './coupons.service.js';

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
  @ApiProperty({
    enum: ['active', 'scheduled', 'expired', 'inactive'],
    example: 'active',
    description:
      'At the time of the request: inactive when active is false, else scheduled before startsAt, expired after expiresAt, else active',
  })
  status!: CouponStatus;
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

export class UserUsesResponse implements UserUses {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ type: 'integer', example: 3, description: 'Uses counted in the period' })
  used!: number;
}

const WINDOW_USERS =
  'Most uses counted first, ties by userId; users with uses counted in the period only (not those who only hold uses)';

export class DayReportResponse implements WindowReport {
  @ApiProperty({ example: '2026-12-02', description: 'The current day in COUPON_TZ' })
  period!: string;
  @ApiProperty({ ...COUNT, example: 3, description: "The coupon's userDaily; null = unlimited" })
  limit!: number | null;
  @ApiProperty({
    type: 'integer',
    example: 1,
    description: 'Users whose uses counted plus held today reach userDaily (0 when unlimited)',
  })
  atLimit!: number;
  @ApiProperty({ type: [UserUsesResponse], description: WINDOW_USERS }) users!: UserUsesResponse[];
}

export class WeekReportResponse implements WindowReport {
  @ApiProperty({ example: '2026-W49', description: 'The current ISO week in COUPON_TZ' })
  period!: string;
  @ApiProperty({
    ...COUNT,
    example: null,
    description: "The coupon's userWeekly; null = unlimited",
  })
  limit!: number | null;
  @ApiProperty({
    type: 'integer',
    example: 0,
    description: 'Users whose uses counted plus held this week reach userWeekly (0 when unlimited)',
  })
  atLimit!: number;
  @ApiProperty({ type: [UserUsesResponse], description: WINDOW_USERS }) users!: UserUsesResponse[];
}

export class BusiestUsersResponse implements BusiestUsersView {
  @ApiProperty({ example: 'SAVE10' }) couponCode!: string;
  @ApiProperty({ type: () => DayReportResponse }) day!: DayReportResponse;
  @ApiProperty({ type: () => WeekReportResponse }) week!: WeekReportResponse;
}

export class HoldResponse implements HoldView {
  @ApiProperty({ example: 'order-1002' }) orderId!: string;
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({
    required: false,
    example: 'SAVE10-7KQ2M9XR4TD8HPZ3',
    description: "Only when the hold is on one of the coupon's unique codes",
  })
  uniqueCode?: string;
  @ApiProperty({ example: '2026-12-02T12:00:00.000Z' }) reservedAt!: string;
  @ApiProperty({ example: '2026-12-02T12:15:00.000Z', description: 'The hold counts until then' })
  expiresAt!: string;
}

export class HoldPage {
  @ApiProperty({ type: [HoldResponse] }) items!: HoldResponse[];
  @ApiProperty({ type: 'integer', example: 1, description: 'Live holds of the coupon' })
  total!: number;
}
