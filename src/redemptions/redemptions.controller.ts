import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi.js';
import {
  FailedJobResponse,
  PendingJobResponse,
  RedemptionOutcomeResponse,
} from './redemption.responses.js';
import {
  Body,
  Controller,
  Get,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { Response } from 'express';
import { RedeemDto } from './redeem.dto.js';
import { RedemptionQueueService } from './redemption-queue.service.js';

@ApiTags('redemptions')
@Controller('redemptions')
export class RedemptionsController {
  constructor(private readonly redemptions: RedemptionQueueService) {}

  /** 201 accepted, 422 rejected (both with the outcome), 202 with the job id while undecided. */
  @Post()
  @ApiCreatedResponse({ type: RedemptionOutcomeResponse, description: 'Accepted' })
  @ApiUnprocessableEntityResponse({
    type: RedemptionOutcomeResponse,
    description: 'Rejected, with the reason',
  })
  @ApiAcceptedResponse({
    type: PendingJobResponse,
    description: 'No decision within REDEMPTION_WAIT_MS',
  })
  @ApiErrors(400, 503)
  async redeem(@Body() body: RedeemDto, @Res({ passthrough: true }) res: Response) {
    const { jobId, settlement } = await this.redemptions.submit({ ...body });
    switch (settlement.kind) {
      case 'completed':
        res.status(
          settlement.value.status === 'accepted'
            ? HttpStatus.CREATED
            : HttpStatus.UNPROCESSABLE_ENTITY,
        );
        return settlement.value;
      case 'failed':
        throw new ServiceUnavailableException(
          `Redemption job ${jobId} failed: ${settlement.error}`,
        );
      case 'pending':
        res.status(HttpStatus.ACCEPTED);
        return { jobId, status: 'pending' };
    }
  }

  @Get(':jobId')
  @ApiExtraModels(RedemptionOutcomeResponse, PendingJobResponse, FailedJobResponse)
  @ApiOkResponse({
    schema: {
      oneOf: [RedemptionOutcomeResponse, PendingJobResponse, FailedJobResponse].map((model) => ({
        $ref: getSchemaPath(model),
      })),
    },
  })
  @ApiErrors(404)
  async find(@Param('jobId') jobId: string) {
    const status = await this.redemptions.status(jobId);
    switch (status.kind) {
      case 'completed':
        return status.value;
      case 'failed':
        return { jobId, status: 'failed', error: status.error };
      case 'pending':
        return { jobId, status: 'pending' };
      case 'unknown':
        throw new NotFoundException(`No redemption job ${jobId}`);
    }
  }
}
