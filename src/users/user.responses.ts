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

export class ErasedCounts {
  @ApiProperty({
    type: 'integer',
    description: 'Per-user counters removed: user totals and day and week counts, all coupons',
  })
  usageCounters!: number;
  @ApiProperty({ type: 'integer', description: 'Kept outcomes of the user’s orders' })
  outcomes!: number;
  @ApiProperty({ type: 'integer', description: 'Redemption-log entries' })
  logEntries!: number;
}

export class UserErasedResponse {
  @ApiProperty({ example: 'alice' }) id!: string;
  @ApiProperty() erased!: ErasedCounts;
}
