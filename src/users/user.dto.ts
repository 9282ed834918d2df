import { IsEmail, IsString, Length, MaxLength } from 'class-validator';

export class CreateUserDto {
  @Length(1, 128)
  @IsString()
  id!: string;

  @Length(1, 200)
  @IsString()
  name!: string;

  @MaxLength(254)
  @IsEmail()
  @IsString()
  email!: string;
}
