import { ApiProperty } from '@nestjs/swagger';
import type { Window } from '../store/usage.ledger.js';
import type { ResetResult } from './reset.contract.js';

export class ResetResultResponse implements ResetResult {
  @ApiProperty({ enum: ['daily', 'weekly'] }) window!: Window;
  @ApiProperty({
    enum: ['schedule', 'manual'],
    description:
      'schedule: clears periods that ended before the one it was scheduled in; manual: the current period too',
  })
  trigger!: 'schedule' | 'manual';
  @ApiProperty({ example: '2026-11-26', description: 'Day or ISO week in COUPON_TZ' })
  currentPeriod!: string;
  @ApiProperty({ required: false, description: 'Scheduled resets: when it was due' })
  scheduledFor?: string;
  @ApiProperty({ example: ['2026-11-25'], description: 'Periods whose counters were set to 0' })
  periodsCleared!: string[];
  @ApiProperty({ example: 1520, description: 'Per-user counters set to 0' })
  countersReset!: number;
  @ApiProperty({ required: false, example: 310, description: 'Daily reset only' })
  outcomesPruned?: number;
  @ApiProperty() ranAt!: string;
}
