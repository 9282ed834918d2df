import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiBodyErrors, ApiErrors } from '../common/openapi.js';
import {
  FailedJobResponse,
  PendingJobResponse,
  RedemptionOutcomeResponse,
  ReleaseOutcomeResponse,
  ReservationOutcomeResponse,
  RollbackOutcomeResponse,
} from './redemption.responses.js';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { RedeemDto } from './redeem.dto.js';
import { RollbackDto } from './rollback.dto.js';
import { RedemptionQueueService } from './redemption-queue.service.js';
import { answerSettled } from './settled.response.js';

@ApiTags('redemptions')
@Controller('redemptions')
export class RedemptionsController {
  constructor(private readonly redemptions: RedemptionQueueService) {}

  /**
   * 201 accepted, 422 rejected (both with the outcome), 202 with the job id while undecided. An
   * unknown coupon from a client address at its guess limit gets 422 TOO_MANY_ATTEMPTS with
   * Retry-After, unpublished.
   */
  @Post()
  @ApiCreatedResponse({ type: RedemptionOutcomeResponse, description: 'Accepted' })
  @ApiUnprocessableEntityResponse({
    type: RedemptionOutcomeResponse,
    description:
      'Rejected, with the reason; TOO_MANY_ATTEMPTS (the client address at its guess limit) also carries Retry-After',
    example: {
      status: 'rejected',
      reason: 'USER_DAILY_LIMIT_REACHED',
      couponCode: 'SAVE10',
      userId: 'alice',
      orderId: 'order-1001',
      remaining: { globalTotal: 999, userTotal: 4, userWeekly: 2, userDaily: 0 },
      processedAt: '2026-11-25T12:00:00.000Z',
    },
  })
  @ApiAcceptedResponse({
    type: PendingJobResponse,
    description: 'No decision within REDEMPTION_WAIT_MS',
  })
  @ApiBodyErrors(503)
  async redeem(
    @Body() body: RedeemDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const client = req.ip ?? 'unknown';
    const refused = await this.redemptions.refuseGuesser({ ...body }, client);
    if (refused) {
      const { outcome, retryAfterSeconds } = refused;
      res.status(
        outcome.status === 'accepted' ? HttpStatus.CREATED : HttpStatus.UNPROCESSABLE_ENTITY,
      );
      if (outcome.reason === 'TOO_MANY_ATTEMPTS') res.set('Retry-After', String(retryAfterSeconds));
      return outcome;
    }
    return answerSettled(
      res,
      'Redemption',
      await this.redemptions.submit({ ...body }),
      (outcome) =>
        outcome.status === 'accepted' ? HttpStatus.CREATED : HttpStatus.UNPROCESSABLE_ENTITY,
    );
  }

  /**
   * 200 rolled back (or already, saying so), 404 with the outcome when this user has no accepted
   * redemption of the order, 202 with the job id while undecided.
   */
  @Post('rollback')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: RollbackOutcomeResponse, description: 'Rolled back, or already' })
  @ApiNotFoundResponse({
    type: RollbackOutcomeResponse,
    description: 'Rejected: REDEMPTION_NOT_FOUND',
    example: {
      status: 'rejected',
      reason: 'REDEMPTION_NOT_FOUND',
      couponCode: 'SAVE10',
      userId: 'alice',
      orderId: 'order-1001',
      processedAt: '2026-11-25T12:00:00.000Z',
    },
  })
  @ApiAcceptedResponse({
    type: PendingJobResponse,
    description: 'No outcome within REDEMPTION_WAIT_MS',
  })
  @ApiBodyErrors(503)
  async rollback(@Body() body: RollbackDto, @Res({ passthrough: true }) res: Response) {
    return answerSettled(
      res,
      'Rollback',
      await this.redemptions.submitRollback({ ...body }),
      (outcome) => (outcome.status === 'rejected' ? HttpStatus.NOT_FOUND : HttpStatus.OK),
    );
  }

  @Get(':jobId')
  @ApiExtraModels(
    RedemptionOutcomeResponse,
    RollbackOutcomeResponse,
    ReservationOutcomeResponse,
    ReleaseOutcomeResponse,
    PendingJobResponse,
    FailedJobResponse,
  )
  @ApiOkResponse({
    schema: {
      oneOf: [
        RedemptionOutcomeResponse,
        RollbackOutcomeResponse,
        ReservationOutcomeResponse,
        ReleaseOutcomeResponse,
        PendingJobResponse,
        FailedJobResponse,
      ].map((model) => ({
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
