import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
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
import { exampleDate } from '../common/openapi.js';
import { PaginationQuery } from '../common/pagination.dto.js';
import {
  IsOptionalNotNull,
  must,
  type CrossFieldChecks,
  type ValidationContext,
} from '../common/validation.js';
import { COUPON_CODE_PATTERN, MAX_REPEAT_COUNT, normalizeCouponCode } from '../domain/coupon.js';
import { couponDateToInstant, isCouponDate } from '../domain/periods.js';

const DATE_FORMAT = 'YYYY-MM-DD (a whole day in COUPON_TZ) or an ISO 8601 date-time with offset';

const COUPON_DATE_RULE =
  'a real date YYYY-MM-DD or an ISO 8601 date-time with an offset, such as 2027-12-31T23:59:59Z';

const IsCouponDate = (rule = COUPON_DATE_RULE) =>
  ValidateBy(
    {
      name: 'isCouponDate',
      validator: { validate: (value) => typeof value === 'string' && isCouponDate(value) },
    },
    must(rule),
  );

const DISCOUNT = must('a number above 0 and at most 100');
const DESCRIPTION = must('null or a string of at most 500 characters');
const ACTIVE = must('true or false');
const REPEAT_COUNT = must(`a whole number from 0 to ${MAX_REPEAT_COUNT}, or null for unlimited`);

/**
 * What a coupon's dates must satisfy besides their format: an expiry given is in the future, and a
 * start before the expiry when both are given. (An update's other date is the stored one: the
 * service checks against it.)
 */
function dateProblems(
  dto: { startsAt?: string | null; expiresAt?: string },
  { now, couponTz }: ValidationContext,
  valid: (field: string) => boolean,
): string[] {
  const expiresAt =
    typeof dto.expiresAt === 'string' && valid('expiresAt')
      ? couponDateToInstant(dto.expiresAt, couponTz, 'end')
      : undefined;
  const startsAt =
    typeof dto.startsAt === 'string' && valid('startsAt')
      ? couponDateToInstant(dto.startsAt, couponTz, 'start')
      : undefined;
  const problems: string[] = [];
  if (expiresAt !== undefined && expiresAt <= now) problems.push('expiresAt must be in the future');
  if (expiresAt !== undefined && startsAt !== undefined && startsAt >= expiresAt) {
    problems.push('startsAt must be before expiresAt');
  }
  return problems;
}

const IsRepeatCount = (description: string) => (target: object, property: string) => {
  ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_REPEAT_COUNT,
    nullable: true,
    example: EXAMPLE_COUNTS[property],
    description: `${description}; null = unlimited`,
  })(target, property);
  // null is allowed and means unlimited; IsOptional lets both null and absence through.
  IsOptional()(target, property);
  IsInt(REPEAT_COUNT)(target, property);
  Min(0, REPEAT_COUNT)(target, property);
  Max(MAX_REPEAT_COUNT, REPEAT_COUNT)(target, property);
};

const EXAMPLE_COUNTS: Record<string, number> = {
  globalTotal: 1000,
  userTotal: 5,
  userDaily: 1,
  userWeekly: 3,
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

export class CreateCouponDto implements CrossFieldChecks {
  @ApiProperty({
    example: 'SAVE10',
    pattern: COUPON_CODE_PATTERN.source,
    description: 'Any letter case; stored upper-case',
  })
  @Matches(COUPON_CODE_PATTERN, must('a string of 3-64 characters: letters, digits, _ and -'))
  @Transform(upperCase)
  @IsString(must('a string of 3-64 characters: letters, digits, _ and -'))
  code!: string;

  @ApiProperty({ example: 10, minimum: 0, exclusiveMinimum: true, maximum: 100 })
  @IsPositive(DISCOUNT)
  @Max(100, DISCOUNT)
  @IsNumber({ allowNaN: false, allowInfinity: false }, DISCOUNT)
  discountPercentage!: number;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    example: exampleDate('today'),
    description: `${DATE_FORMAT}; null or left out: from now on`,
  })
  @IsOptional()
  @IsCouponDate(`null, ${COUPON_DATE_RULE}`)
  startsAt?: string | null;

  @ApiProperty({
    type: 'string',
    example: exampleDate('12-31'),
    description: `${DATE_FORMAT}; must be in the future`,
  })
  @IsCouponDate()
  expiresAt!: string;

  @ApiPropertyOptional({ type: 'boolean', default: true })
  @IsOptionalNotNull()
  @IsBoolean(ACTIVE)
  active?: boolean;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    maxLength: 500,
    example: 'Ten percent off any order',
  })
  @IsOptional()
  @MaxLength(500, DESCRIPTION)
  @IsString(DESCRIPTION)
  description?: string | null;

  @ApiPropertyOptional({ type: () => RepeatCountsDto, description: 'Left out: all unlimited' })
  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => RepeatCountsDto)
  @IsObject(must('an object with any of globalTotal, userTotal, userDaily, userWeekly'))
  repeatCounts?: RepeatCountsDto;

  crossFieldProblems(context: ValidationContext, valid: (field: string) => boolean): string[] {
    return dateProblems(this, context, valid);
  }
}

/** The fields PATCH /coupons/:code may change; null clears startsAt and description. */
export class UpdateCouponDto implements CrossFieldChecks {
  @ApiPropertyOptional({ minimum: 0, exclusiveMinimum: true, maximum: 100, example: 15 })
  @IsOptionalNotNull()
  @IsPositive(DISCOUNT)
  @Max(100, DISCOUNT)
  @IsNumber({ allowNaN: false, allowInfinity: false }, DISCOUNT)
  discountPercentage?: number;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    example: exampleDate('today'),
    description: `${DATE_FORMAT}; null clears it`,
  })
  @IsOptional()
  @IsCouponDate(`null, ${COUPON_DATE_RULE}`)
  startsAt?: string | null;

  @ApiPropertyOptional({
    type: 'string',
    example: exampleDate('12-31'),
    description: `${DATE_FORMAT}; must be in the future`,
  })
  @IsOptionalNotNull()
  @IsCouponDate()
  expiresAt?: string;

  @ApiPropertyOptional({ type: 'boolean', example: true })
  @IsOptionalNotNull()
  @IsBoolean(ACTIVE)
  active?: boolean;

  @ApiPropertyOptional({
    type: 'string',
    nullable: true,
    maxLength: 500,
    example: 'Fifteen percent off any order',
    description: 'null clears it',
  })
  @IsOptional()
  @MaxLength(500, DESCRIPTION)
  @IsString(DESCRIPTION)
  description?: string | null;

  crossFieldProblems(context: ValidationContext, valid: (field: string) => boolean): string[] {
    return dateProblems(this, context, valid);
  }
}

export class ValidateQuery {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 128,
    description: 'Left out: only the coupon-level rules apply',
  })
  @IsOptionalNotNull()
  @Length(1, 128, must('a string of 1-128 characters'))
  @IsString(must('a string of 1-128 characters'))
  userId?: string;
}

const CODE_PREFIX_RULE = '1-64 letters, digits, _ or -';

/** GET /coupons: a page of coupons by code, with `q` only those whose code starts with it. */
export class ListCouponsQuery extends PaginationQuery {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 64,
    pattern: '^[A-Za-z0-9_-]+$',
    example: 'SAV',
    description: 'Only codes that start with this, in any letter case',
  })
  @IsOptionalNotNull()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, must(CODE_PREFIX_RULE))
  @IsString(must(CODE_PREFIX_RULE))
  q?: string;
}

/** GET /coupons/:code/busiest-users. */
export class BusiestUsersQuery extends PickType(PaginationQuery, ['limit'] as const) {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 10 })
  override limit: number = 10;
}

/** GET /coupons/:code/holds. */
export class HoldsQuery extends PickType(PaginationQuery, ['limit'] as const) {}
