import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../common/validation.js';

export class CreateUserDto {
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'alice' })
  @Length(1, 128)
  @IsString()
  id!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Alice' })
  @Length(1, 200)
  @IsString()
  name!: string;

  @ApiProperty({
    format: 'email',
    maxLength: 254,
    example: 'alice@example.com',
    description: 'Unique in any letter case',
  })
  @MaxLength(254)
  @IsEmail()
  @IsString()
  email!: string;
}

/** The fields PATCH /users/:id may change. */
export class UpdateUserDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Alice Smith' })
  @IsOptionalNotNull()
  @Length(1, 200)
  @IsString()
  name?: string;

  @ApiPropertyOptional({
    format: 'email',
    maxLength: 254,
    example: 'alice.smith@example.com',
    description: 'Unique in any letter case',
  })
  @IsOptionalNotNull()
  @MaxLength(254)
  @IsEmail()
  @IsString()
  email?: string;
}
