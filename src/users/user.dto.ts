import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { IsOptionalNotNull, must } from '../common/validation.js';

const ID = must('a string of 1-128 characters');
const NAME = must('a string of 1-200 characters');
const EMAIL = must('an email address of at most 254 characters, such as alice@example.com');

export class CreateUserDto {
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'alice' })
  @Length(1, 128, ID)
  @IsString(ID)
  id!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Alice' })
  @Length(1, 200, NAME)
  @IsString(NAME)
  name!: string;

  @ApiProperty({
    format: 'email',
    maxLength: 254,
    example: 'alice@example.com',
    description: 'Unique in any letter case',
  })
  @MaxLength(254, EMAIL)
  @IsEmail({}, EMAIL)
  @IsString(EMAIL)
  email!: string;
}

/** The fields PATCH /users/:id may change. */
export class UpdateUserDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Alice Smith' })
  @IsOptionalNotNull()
  @Length(1, 200, NAME)
  @IsString(NAME)
  name?: string;

  @ApiPropertyOptional({
    format: 'email',
    maxLength: 254,
    example: 'alice.smith@example.com',
    description: 'Unique in any letter case',
  })
  @IsOptionalNotNull()
  @MaxLength(254, EMAIL)
  @IsEmail({}, EMAIL)
  @IsString(EMAIL)
  email?: string;
}
