import { ApiProperty, PickType } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { ID_FIELD, RedeemDto } from './redeem.dto.js';
import type { RollbackJobData } from './redemption.contract.js';

/** `rollback` job data and the POST /redemptions/rollback body: a redeem's fields, orderId required. */
export class RollbackDto
  extends PickType(RedeemDto, ['couponCode', 'userId'] as const)
  implements RollbackJobData
{
  @ApiProperty({
    minLength: 1,
    maxLength: 128,
    example: 'order-1001',
    description: 'The order whose accepted redemption is given back',
  })
  @Length(1, 128, ID_FIELD)
  @IsString(ID_FIELD)
  orderId!: string;
}
