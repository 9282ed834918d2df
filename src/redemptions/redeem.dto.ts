import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { IsOptionalNotNull, must } from '../common/validation.js';

/** The rule of every field of redeem and rollback data (the client package checks the same). */
export const ID_FIELD = must('a string of 1-128 characters');
import type { RedeemJobData } from './redemption.contract.js';

/** `redeem` job data and the POST /redemptions body. */
export class RedeemDto implements RedeemJobData {
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'SAVE10', description: 'Any letter case' })
  @Length(1, 128, ID_FIELD)
  @IsString(ID_FIELD)
  couponCode!: string;

  @ApiProperty({ minLength: 1, maxLength: 128, example: 'alice' })
  @Length(1, 128, ID_FIELD)
  @IsString(ID_FIELD)
  userId!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 128,
    example: 'order-1001',
    description: 'The first outcome of (couponCode, orderId) is kept and replayed: send one',
  })
  @IsOptionalNotNull()
  @Length(1, 128, ID_FIELD)
  @IsString(ID_FIELD)
  orderId?: string;
}

const REDEEM_FIELDS = new Set(['couponCode', 'userId', 'orderId']);
// Strings without surrogates: their length is their length in characters, none is a lone one.
const isPlainText = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.length >= 1 &&
  value.length <= 128 &&
  !/[\uD800-\uDFFF]/.test(value);

/**
 * The worker's fast path past class-validator, which costs more than the rest of a decision: data
 * it returns would pass RedeemDto's checks. Undefined means "check it the full way", which also
 * names what is wrong.
 */
export function wellFormedRedeemData(data: unknown): RedeemJobData | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { couponCode, userId, orderId } = data as Record<string, unknown>;
  if (!Object.keys(data).every((key) => REDEEM_FIELDS.has(key))) return undefined;
  if (!isPlainText(couponCode) || !isPlainText(userId)) return undefined;
  if (orderId !== undefined && !isPlainText(orderId)) return undefined;
  return orderId === undefined ? { couponCode, userId } : { couponCode, userId, orderId };
}
