import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.js';
import type { RedeemJobData } from './redemption.contract.js';

/** `redeem` job data and the POST /redemptions body. */
export class RedeemDto implements RedeemJobData {
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'SAVE10', description: 'Any letter case' })
  @Length(1, 128)
  @IsString()
  couponCode!: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'alice' })
  @Length(1, 128)
  @IsString()
  userId!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 128,
    example: 'order-1001',
    description: 'The first outcome of (couponCode, orderId) is kept and replayed: send one',
  })
  @IsOptionalNotNull()
  @Length(1, 128)
  @IsString()
  orderId?: string;
}
