import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.js';
import { COUPON_CODE_PATTERN, MAX_REPEAT_COUNT, normalizeCouponCode } from '../domain/coupon.js';
import { isCouponDate } from '../domain/periods.js';

const DATE_FORMAT = 'YYYY-MM-DD (a whole day in COUPON_TZ) or an ISO 8601 date-time with offset';

const IsCouponDate = () =>
  ValidateBy({
    name: 'isCouponDate',
    validator: {
      validate: (value) => typeof value === 'string' && isCouponDate(value),
      defaultMessage: (args) =>
        `${args?.property} must be a real date YYYY-MM-DD or an ISO 8601 date-time with an offset, such as 2026-12-31T23:59:59Z`,
    },
  });

const IsRepeatCount = (description: string) => (target: object, property: string) => {
  ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_REPEAT_COUNT,
    nullable: true,
    description: `${description}; null = unlimited`,
  })(target, property);
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
  @IsRepeatCount('Uses by all users together') globalTotal?: number | null;
  @IsRepeatCount('Uses by one user') userTotal?: number | null;
  @IsRepeatCount('Uses by one user per day in COUPON_TZ') userDaily?: number | null;
  @IsRepeatCount('Uses by one user per ISO week in COUPON_TZ') userWeekly?: number | null;
}

export class CreateCouponDto {
  @ApiProperty({
    example: 'SAVE10',
    pattern: COUPON_CODE_PATTERN.source,
    description: 'Any letter case; stored upper-case',
  })
  @Matches(COUPON_CODE_PATTERN, { message: 'code must be 3-64 characters of A-Z, 0-9, _ and -' })
  @Transform(upperCase)
  @IsString()
  code!: string;

  @ApiProperty({ example: 10, minimum: 0, exclusiveMinimum: true, maximum: 100 })
  @IsPositive()
  @Max(100)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  discountPercentage!: number;

  @ApiPropertyOptional({ nullable: true, example: '2026-12-01', description: DATE_FORMAT })
  @IsOptional()
  @IsCouponDate()
  startsAt?: string | null;

  @ApiProperty({ example: '2026-12-31', description: `${DATE_FORMAT}; must be in the future` })
  @IsCouponDate()
  expiresAt!: string;

  @ApiPropertyOptional({ default: true })
  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ nullable: true, maxLength: 500 })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  description?: string | null;

  @ApiPropertyOptional({ type: () => RepeatCountsDto, description: 'Left out: all unlimited' })
  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => RepeatCountsDto)
  @IsObject()
  repeatCounts?: RepeatCountsDto;
}

/** The fields PATCH /coupons/:code may change; null clears startsAt and description. */
export class UpdateCouponDto {
  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true, maximum: 100 })
  @IsOptionalNotNull()
  @IsPositive()
  @Max(100)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  discountPercentage?: number;

  @ApiPropertyOptional({ nullable: true, description: `${DATE_FORMAT}; null clears it` })
  @IsOptional()
  @IsCouponDate()
  startsAt?: string | null;

  @ApiPropertyOptional({ description: DATE_FORMAT })
  @IsOptionalNotNull()
  @IsCouponDate()
  expiresAt?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ nullable: true, maxLength: 500, description: 'null clears it' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  description?: string | null;
}

export class ValidateQuery {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 128,
    description: 'Left out: only the coupon-level rules apply',
  })
  @IsOptionalNotNull()
  @Length(1, 128)
  @IsString()
  userId?: string;
}
