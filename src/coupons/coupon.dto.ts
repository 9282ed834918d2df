import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  IsPositive,
  Length,
} from 'class-validator';
import { COUPON_CODE_PATTERN, MAX_REPEAT_COUNT, normalizeCouponCode } from '../domain/coupon.js';
import { isCouponDate } from '../domain/periods.js';
import { IsOptionalNotNull } from '../common/validation.js';

const IsCouponDate = () =>
  ValidateBy({
    name: 'isCouponDate',
    validator: {
      validate: (value) => typeof value === 'string' && isCouponDate(value),
      defaultMessage: (args) =>
        `${args?.property} must be a real date YYYY-MM-DD or an ISO 8601 date-time with an offset, such as 2026-12-31T23:59:59Z`,
    },
  });

const IsRepeatCount = () => (target: object, property: string) => {
  // null is allowed and means unlimited; IsOptional lets both null and absence through.
  IsOptional()(target, property);
  IsInt({ message: `${property} must be a whole number, or null for unlimited` })(target, property);
  Min(0)(target, property);
  Max(MAX_REPEAT_COUNT)(target, property);
};

const upperCase = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? normalizeCouponCode(value) : value;

/** Partial: a field left out stays as it is; null means unlimited. */
export class RepeatCountsDto {
  @IsRepeatCount() globalTotal?: number | null;
  @IsRepeatCount() userTotal?: number | null;
  @IsRepeatCount() userDaily?: number | null;
  @IsRepeatCount() userWeekly?: number | null;
}

export class CreateCouponDto {
  @Matches(COUPON_CODE_PATTERN, { message: 'code must be 3-64 characters of A-Z, 0-9, _ and -' })
  @Transform(upperCase)
  @IsString()
  code!: string;

  @IsPositive()
  @Max(100)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  discountPercentage!: number;

  @IsOptional()
  @IsCouponDate()
  startsAt?: string | null;

  @IsCouponDate()
  expiresAt!: string;

  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;

  @IsOptional()
  @MaxLength(500)
  @IsString()
  description?: string | null;

  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => RepeatCountsDto)
  @IsObject()
  repeatCounts?: RepeatCountsDto;
}

/** The fields PATCH /coupons/:code may change; null clears startsAt and description. */
export class UpdateCouponDto {
  @IsOptionalNotNull()
  @IsPositive()
  @Max(100)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  discountPercentage?: number;

  @IsOptional()
  @IsCouponDate()
  startsAt?: string | null;

  @IsOptionalNotNull()
  @IsCouponDate()
  expiresAt?: string;

  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;

  @IsOptional()
  @MaxLength(500)
  @IsString()
  description?: string | null;
}

export class ValidateQuery {
  @IsOptionalNotNull()
  @Length(1, 128)
  @IsString()
  userId?: string;
}
