import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { IsOptionalNotNull, must } from './validation.js';

const LIMIT = must('a whole number from 1 to 100');
const OFFSET = must('a whole number, 0 or more');

// Query values arrive as strings: only plain digit strings become numbers; anything else fails IsInt.
const digitsToNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

export class PaginationQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptionalNotNull()
  @Transform(digitsToNumber)
  @Min(1, LIMIT)
  @Max(100, LIMIT)
  @IsInt(LIMIT)
  limit: number = 20;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0 })
  @IsOptionalNotNull()
  @Transform(digitsToNumber)
  @Min(0, OFFSET)
  @IsInt(OFFSET)
  offset: number = 0;
}
