import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { PaginationQuery } from '../common/pagination.dto.js';
import { IsOptionalNotNull } from '../common/validation.js';
import {
  LOG_STATUSES,
  type LogEntry,
  type LogPage,
  type LogQuery,
  type LogStatus,
} from '../store/redemption.log.js';

/** GET /coupons/:code/redemptions: a page of the redemption log, newest first. */
export class RedemptionLogQuery
  extends PickType(PaginationQuery, ['limit'] as const)
  implements LogQuery
{
  @ApiPropertyOptional({ enum: LOG_STATUSES })
  @IsOptionalNotNull()
  @IsIn(LOG_STATUSES)
  status?: LogStatus;

  @ApiPropertyOptional({ minLength: 1, maxLength: 128 })
  @IsOptionalNotNull()
  @Length(1, 128)
  @IsString()
  userId?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptionalNotNull()
  @Matches(/^\d{1,16}(-\d{1,19})?$/, { message: 'cursor must be a nextCursor of this log' })
  @IsString()
  cursor?: string;
}

export class LogEntryResponse implements LogEntry {
  @ApiProperty({ description: 'Orders the log; pass as cursor to page on' }) id!: string;
  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' }) at!: string;
  @ApiProperty({ example: 'SAVE10' }) couponCode!: string;
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
