import { ApiProperty } from '@nestjs/swagger';
import type { UserView } from './users.service.js';

export class UserResponse implements UserView {
  @ApiProperty({ example: 'alice' }) id!: string;
  @ApiProperty({ example: 'Alice' }) name!: string;
  @ApiProperty({ example: 'alice@example.com' }) email!: string;
  @ApiProperty() createdAt!: string;
}

export class UserPage {
  @ApiProperty({ type: [UserResponse] }) items!: UserResponse[];
  @ApiProperty({ example: 1 }) total!: number;
}
