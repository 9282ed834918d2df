import {
  Controller,
  HttpCode,
  HttpStatus,
  Post,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Window } from '../store/coupon-store.js';
import { ResetSchedulerService } from './reset-scheduler.service.js';

@Controller('admin/resets')
export class ResetsController {
  constructor(private readonly resets: ResetSchedulerService) {}

  @Post('daily')
  @HttpCode(HttpStatus.OK)
  daily(@Res({ passthrough: true }) res: Response) {
    return this.run('daily', res);
  }

  @Post('weekly')
  @HttpCode(HttpStatus.OK)
  weekly(@Res({ passthrough: true }) res: Response) {
    return this.run('weekly', res);
  }

  /** 200 with the reset's result; 202 with the job id if it has not finished in time. */
  private async run(window: Window, res: Response) {
    const { jobId, settlement } = await this.resets.runNow(window);
    switch (settlement.kind) {
      case 'completed':
        return settlement.value;
      case 'failed':
        throw new ServiceUnavailableException(`Reset job ${jobId} failed: ${settlement.error}`);
      case 'pending':
        res.status(HttpStatus.ACCEPTED);
        return { jobId, status: 'pending' };
    }
  }
}
