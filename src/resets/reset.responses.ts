import { ApiProperty } from '@nestjs/swagger';
import type { Window } from '../store/coupon-store.js';
import type { ResetResult } from './reset.contract.js';

export class ResetResultResponse implements ResetResult {
  @ApiProperty({ enum: ['daily', 'weekly'] }) window!: Window;
  @ApiProperty({
    example: '2026-11-26',
    description: 'Day or ISO week in COUPON_TZ; its counts are kept',
  })
  currentPeriod!: string;
  @ApiProperty({ example: 1520, description: 'Counters of ended periods freed' })
  countersReset!: number;
  @ApiProperty({ required: false, example: 310, description: 'Daily reset only' })
  outcomesPruned?: number;
  @ApiProperty() ranAt!: string;
}
