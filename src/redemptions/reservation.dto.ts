import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IsOptionalNotNull, must } from '../common/validation.js';
import { MAX_HOLD_TTL_SECONDS, MIN_HOLD_TTL_SECONDS } from '@coupon-code-service/client/contract';
import { RollbackDto } from './rollback.dto.js';
import type { ReleaseJobData, ReserveJobData } from './redemption.contract.js';

const TTL = must(
  `a whole number of seconds from ${MIN_HOLD_TTL_SECONDS} to ${MAX_HOLD_TTL_SECONDS}`,
);

/** `release` job data: the order whose live hold is freed. */
export class ReleaseDto extends RollbackDto implements ReleaseJobData {}

/** `reserve` job data and the POST /reservations body. */
export class ReserveDto extends RollbackDto implements ReserveJobData {
  // Validated as RollbackDto's; redeclared for its documentation (the redemption examples' order
  // is redeemed, so the reservation examples hold another).
  @ApiProperty({
    minLength: 1,
    maxLength: 128,
    example: 'order-1002',
    description: 'The order the use is held for; a redeem of it by the same user confirms the hold',
  })
  declare orderId: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: MIN_HOLD_TTL_SECONDS,
    maximum: MAX_HOLD_TTL_SECONDS,
    example: 900,
    description: 'How long the hold lasts; default HOLD_TTL_SECONDS (900)',
  })
  @Min(MIN_HOLD_TTL_SECONDS, TTL)
  @Max(MAX_HOLD_TTL_SECONDS, TTL)
  @IsInt(TTL)
  @IsOptionalNotNull()
  ttlSeconds?: number;
}
