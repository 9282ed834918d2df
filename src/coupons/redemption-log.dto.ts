import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsString, Length, ValidateBy } from 'class-validator';
import { PaginationQuery } from '../common/pagination.dto.js';
import { IsOptionalNotNull, must } from '../common/validation.js';
import {
  LOG_STATUSES,
  type LogEntry,
  type LogPage,
  type LogQuery,
  type LogStatus,
} from '../store/redemption.log.js';

const MAX_ID_PART = 2n ** 64n - 1n;

/**
 * Whether the stores can page after `cursor`: a log entry id, `ms` or `ms-seq` (what the Redis
 * store hands out; the memory store's ids are bare numbers). Each part is at most 2^64 - 1, as in
 * a Redis stream id, and 0-0 is refused: the Redis store reads entries strictly before the cursor
 * (XREVRANGE with an exclusive `(` id), and Redis rejects an exclusive bound below which nothing
 * can be, where the memory store would answer an empty page. A bare `0` means 0-(2^64 - 1) there.
 */
export function isLogCursor(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^(\d{1,20})(?:-(\d{1,20}))?$/.exec(value);
  if (!match) return false;
  const ms = BigInt(match[1]!);
  const seq = match[2] === undefined ? undefined : BigInt(match[2]);
  if (ms > MAX_ID_PART || (seq !== undefined && seq > MAX_ID_PART)) return false;
  return !(ms === 0n && seq === 0n);
}

/** GET /coupons/:code/redemptions: a page of the redemption log, newest first. */
export class RedemptionLogQuery
  extends PickType(PaginationQuery, ['limit'] as const)
  implements LogQuery
{
  @ApiPropertyOptional({ enum: LOG_STATUSES })
  @IsOptionalNotNull()
  @IsIn(LOG_STATUSES, must(`one of ${LOG_STATUSES.join(', ')}`))
  status?: LogStatus;

  @ApiPropertyOptional({ minLength: 1, maxLength: 128 })
  @IsOptionalNotNull()
  @Length(1, 128, must('a string of 1-128 characters'))
  @IsString(must('a string of 1-128 characters'))
  userId?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptionalNotNull()
  @ValidateBy(
    { name: 'isLogCursor', validator: { validate: isLogCursor } },
    { message: 'cursor must be a nextCursor of this log' },
  )
  @IsString({ message: 'cursor must be a nextCursor of this log' })
  cursor?: string;
}

export class LogEntryResponse implements LogEntry {
  @ApiProperty({ description: 'Orders the log; pass as cursor to page on' }) id!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) at!: string;
  @ApiProperty({ example: 'SAVE10' }) couponCode!: string;
  @ApiPropertyOptional({
    example: 'SAVE10-7KQ2M9XH4TWPRN3C',
    description: 'The unique code of the coupon that was used or rolled back, if one was',
  })
  uniqueCode?: string;
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ required: false, example: 'order-1001' }) orderId?: string;
  @ApiProperty({ enum: LOG_STATUSES }) status!: LogStatus;
  @ApiProperty({
    required: false,
    example: 'USER_DAILY_LIMIT_REACHED',
    description: 'When rejected',
  })
  reason?: string;
}

export class LogPageResponse implements LogPage {
  @ApiProperty({ type: [LogEntryResponse] }) items!: LogEntryResponse[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Where the next (older) page starts; null at the end of the log',
  })
  nextCursor!: string | null;
}
