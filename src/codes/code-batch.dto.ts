import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsOptionalNotNull, must } from '../common/validation.js';
import { MAX_BATCH_CODES, MAX_USES_PER_CODE } from '../domain/unique-codes.js';

const COUNT = must(`a whole number from 1 to ${MAX_BATCH_CODES}`);
const USES_PER_CODE = must(`a whole number from 1 to ${MAX_USES_PER_CODE}, or null for unlimited`);

export class CreateCodeBatchDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_BATCH_CODES, example: 1000 })
  @Min(1, COUNT)
  @Max(MAX_BATCH_CODES, COUNT)
  @IsInt(COUNT)
  count!: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_USES_PER_CODE,
    nullable: true,
    default: 1,
    example: 1,
    description: 'Uses each code allows (by all users together); null = unlimited',
  })
  // null is allowed and means unlimited; IsOptional lets both null and absence through.
  @IsOptional()
  @Min(1, USES_PER_CODE)
  @Max(MAX_USES_PER_CODE, USES_PER_CODE)
  @IsInt(USES_PER_CODE)
  usesPerCode?: number | null;
}

export const MAX_CODE_PAGE = 1000;
const LIMIT = must(`a whole number from 1 to ${MAX_CODE_PAGE}`);
const OFFSET = must('a whole number, 0 or more');

// Query values arrive as strings: only plain digit strings become numbers (up to 15 digits, all
// safe integers, so a far offset is an empty page and a huge limit fails Max); the rest fail IsInt.
const digitsToNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;

/** Neither given: the whole batch as CSV. Either given: one JSON page of codes. */
export class CodeExportQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description:
      'With limit or alone: a JSON page from this position in the batch (0 when left out)',
  })
  @IsOptionalNotNull()
  @Transform(digitsToNumber)
  @Min(0, OFFSET)
  @IsInt(OFFSET)
  offset?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_CODE_PAGE,
    description: 'With offset or alone: a JSON page of this many codes (100 when left out)',
  })
  @IsOptionalNotNull()
  @Transform(digitsToNumber)
  @Min(1, LIMIT)
  @Max(MAX_CODE_PAGE, LIMIT)
  @IsInt(LIMIT)
  limit?: number;
}
