import { Body, Controller, Delete, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiBodyErrors, ApiErrors } from '../common/openapi.js';
import {
  PendingJobResponse,
  ReleaseOutcomeResponse,
  ReservationOutcomeResponse,
} from './redemption.responses.js';
import { RedemptionQueueService } from './redemption-queue.service.js';
import { answerSettled } from './settled.response.js';
import { ReserveDto } from './reservation.dto.js';

/** The example order of the reservation routes: not the redemption examples' order-1001, which is redeemed. */
const EXAMPLE_ORDER = 'order-1002';

/**
 * Checkout holds over REST, as the `reserve` and `release` jobs: each call publishes a job and
 * waits REDEMPTION_WAIT_MS for its end, as POST /redemptions does.
 */
@ApiTags('reservations')
@Controller('reservations')
export class ReservationsController {
  constructor(private readonly redemptions: RedemptionQueueService) {}

  /**
   * 201 reserved, 422 rejected (both with the outcome), 202 with the job id while undecided. An
   * unknown coupon from a client address at its guess limit (shared with POST /redemptions) gets
   * 422 TOO_MANY_ATTEMPTS with Retry-After, unpublished.
   */
  @Post()
  @ApiCreatedResponse({
    type: ReservationOutcomeResponse,
    description:
      'Reserved: one use held until expiresAt; a redeem of the same order, user and code confirms it. Reserving a held order again answers its hold (the same expiresAt)',
  })
  @ApiUnprocessableEntityResponse({
    type: ReservationOutcomeResponse,
    description:
      "Rejected, with the reason (a redemption's reasons); ORDER_CONFLICT when the order is redeemed, or held for another user or code; TOO_MANY_ATTEMPTS (the client address at its guess limit) also carries Retry-After",
    example: {
      status: 'rejected',
      reason: 'GLOBAL_LIMIT_REACHED',
      couponCode: 'SAVE10',
      userId: 'alice',
      orderId: EXAMPLE_ORDER,
      remaining: { globalTotal: 0, userTotal: 4, userWeekly: 2, userDaily: 1 },
      processedAt: '2026-11-25T12:00:00.000Z',
    },
  })
  @ApiAcceptedResponse({
    type: PendingJobResponse,
    description:
      'No decision within REDEMPTION_WAIT_MS: look the job up with GET /redemptions/:jobId',
  })
  @ApiBodyErrors(503)
  async reserve(
    @Body() body: ReserveDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const refused = await this.redemptions.refuseReserveGuesser({ ...body }, req.ip ?? 'unknown');
    if (refused) {
      res.status(HttpStatus.UNPROCESSABLE_ENTITY);
      res.set('Retry-After', String(refused.retryAfterSeconds));
      return refused.outcome;
    }
    return answerSettled(
      res,
      'Reserve',
      await this.redemptions.submitReserve({ ...body }),
      (outcome) =>
        outcome.status === 'reserved' ? HttpStatus.CREATED : HttpStatus.UNPROCESSABLE_ENTITY,
    );
  }

  /**
   * 200 released, 404 with the outcome when the order has no live hold under the code, 202 with
   * the job id while undecided. The hold names its user: the `release` job is published for them.
   */
  @Delete(':couponCode/:orderId')
  @ApiParam({
    name: 'couponCode',
    example: 'SAVE10',
    description: "The coupon's code, or the unique code the order is held with (any letter case)",
  })
  @ApiParam({ name: 'orderId', example: EXAMPLE_ORDER })
  @ApiOkResponse({ type: ReleaseOutcomeResponse, description: 'Released: the held use is free' })
  @ApiNotFoundResponse({
    type: ReleaseOutcomeResponse,
    description:
      'Rejected: RESERVATION_NOT_FOUND, the order has no live hold under this code (never held, released, confirmed by a redeem, or expired); userId only when a hold was found but ended before the release',
    example: {
      status: 'rejected',
      reason: 'RESERVATION_NOT_FOUND',
      couponCode: 'SAVE10',
      orderId: EXAMPLE_ORDER,
      processedAt: '2026-11-25T12:00:00.000Z',
    },
  })
  @ApiAcceptedResponse({
    type: PendingJobResponse,
    description:
      'No outcome within REDEMPTION_WAIT_MS: look the job up with GET /redemptions/:jobId',
  })
  @ApiErrors(503)
  async release(
    @Param('couponCode') couponCode: string,
    @Param('orderId') orderId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answerSettled(
      res,
      'Release',
      await this.redemptions.submitRelease(couponCode, orderId),
      (outcome) => (outcome.status === 'rejected' ? HttpStatus.NOT_FOUND : HttpStatus.OK),
    );
  }
}
