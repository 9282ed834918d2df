import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { RollbackJobData } from './redemption.contract.js';

/** `rollback` job data and the POST /redemptions/rollback body. */
export class RollbackDto implements RollbackJobData {
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'SAVE10', description: 'Any letter case' })
  @Length(1, 128)
  @IsString()
  couponCode!: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'alice' })
  @Length(1, 128)
  @IsString()
  userId!: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 128,
    example: 'order-1001',
    description: 'The order whose accepted redemption is given back',
  })
  @Length(1, 128)
  @IsString()
  orderId!: string;
}
