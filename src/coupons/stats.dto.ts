import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, ValidateBy } from 'class-validator';
import { DateTime } from 'luxon';
import { IsOptionalNotNull, must } from '../common/validation.js';
import type { DayStats, StatsCounts } from '../domain/stats.js';

const isCalendarDay = (value: unknown) =>
  typeof value === 'string' &&
  /^\d{4}-\d{2}-\d{2}$/.test(value) &&
  DateTime.fromISO(value, { zone: 'utc' }).isValid;

const IsCalendarDay = () =>
  ValidateBy(
    { name: 'isCalendarDay', validator: { validate: isCalendarDay } },
    must('a calendar day, YYYY-MM-DD'),
  );

/** GET /coupons/:code/stats */
export class StatsQuery {
  @ApiPropertyOptional({
    example: '2026-11-03',
    description: 'First day (YYYY-MM-DD in COUPON_TZ); default: 29 days before `to`',
  })
  @IsOptionalNotNull()
  @IsCalendarDay()
  @IsString(must('a calendar day, YYYY-MM-DD'))
  from?: string;

  @ApiPropertyOptional({
    example: '2026-12-02',
    description:
      'Last day (YYYY-MM-DD in COUPON_TZ), at most 400 days after `from`; default: today',
  })
  @IsOptionalNotNull()
  @IsCalendarDay()
  @IsString(must('a calendar day, YYYY-MM-DD'))
  to?: string;
}

export class StatsCountsResponse implements StatsCounts {
  @ApiProperty({
    example: 120,
    description: 'Accepted redemptions (a confirmed hold not included)',
  })
  accepted!: number;
  @ApiProperty({ example: 4, description: 'Accepted redemptions that confirmed a checkout hold' })
  confirmed!: number;
  @ApiProperty({ example: 9, description: 'Refusals (see reasons)' })
  rejected!: number;
  @ApiProperty({ example: 1, description: 'Redemptions rolled back' })
  rolledBack!: number;
  @ApiProperty({ example: 6, description: 'Checkout holds made' })
  reserved!: number;
  @ApiProperty({ example: 1, description: 'Checkout holds released' })
  released!: number;
  @ApiProperty({ example: 1, description: 'Checkout holds that expired' })
  expired!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { USER_DAILY_LIMIT_REACHED: 7, COUPON_EXPIRED: 2 },
    description: 'Refusals by reason',
  })
  reasons!: Record<string, number>;
}

export class DayStatsResponse extends StatsCountsResponse implements DayStats {
  @ApiProperty({ example: '2026-12-02', description: 'YYYY-MM-DD in COUPON_TZ' })
  day!: string;
}

export class StatsResponse {
  @ApiProperty({ example: 'SAVE10' }) couponCode!: string;
  @ApiProperty({ example: 'Europe/Paris', description: 'COUPON_TZ: the zone of the days' })
  timeZone!: string;
  @ApiProperty({ example: '2026-11-03' }) from!: string;
  @ApiProperty({ example: '2026-12-02' }) to!: string;
  @ApiProperty({
    type: [DayStatsResponse],
    description: 'Every day from `from` through `to`, oldest first; a day with nothing reads 0',
  })
  days!: DayStatsResponse[];
  @ApiProperty({ type: StatsCountsResponse, description: 'The sums over these days' })
  totals!: StatsCountsResponse;
}
