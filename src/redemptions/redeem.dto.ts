import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.js';
import type { RedeemJobData } from './redemption.contract.js';

/** `redeem` job data and the POST /redemptions body. */
export class RedeemDto implements RedeemJobData {
  @IsString()
  @Length(1, 128)
  couponCode!: string;

  @IsString()
  @Length(1, 128)
  userId!: string;

  @IsOptionalNotNull()
  @IsString()
  @Length(1, 128)
  orderId?: string;
}
