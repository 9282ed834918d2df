import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.js';
import type { RedeemJobData } from './redemption.contract.js';

/** `redeem` job data and the POST /redemptions body. */
export class RedeemDto implements RedeemJobData {
  @Length(1, 128)
  @IsString()
  couponCode!: string;

  @Length(1, 128)
  @IsString()
  userId!: string;

  @IsOptionalNotNull()
  @Length(1, 128)
  @IsString()
  orderId?: string;
}
