import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi.js';
import { PendingJobResponse } from '../redemptions/redemption.responses.js';
import { ResetResultResponse } from './reset.responses.js';
import {
  Controller,
  HttpCode,
  HttpStatus,
  Post,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Response } from 'express';
import type { Window } from '../store/usage.ledger.js';
import { ResetSchedulerService } from './reset-scheduler.service.js';

@ApiTags('resets')
@Controller('admin/resets')
export class ResetsController {
  constructor(private readonly resets: ResetSchedulerService) {}

  @Post('daily')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ResetResultResponse })
  @ApiAcceptedResponse({ type: PendingJobResponse, description: 'Not finished within 30 s' })
  @ApiErrors(503)
  daily(@Res({ passthrough: true }) res: Response) {
    return this.run('daily', res);
  }

  @Post('weekly')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ResetResultResponse })
  @ApiAcceptedResponse({ type: PendingJobResponse, description: 'Not finished within 30 s' })
  @ApiErrors(503)
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
