import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CouponCodePipe } from '../common/id-params.js';
import { ApiErrors } from '../common/openapi.js';
import { StatsQuery, StatsResponse } from './stats.dto.js';
import { StatsService } from './stats.service.js';

@ApiTags('coupons')
@Controller('coupons')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get(':code/stats')
  @ApiOkResponse({
    type: StatsResponse,
    description:
      "The coupon's statistics per day in COUPON_TZ: redemptions by status and refusals by " +
      'reason, counted in the same atomic step as the redemption log (so they equal the log ' +
      'for the days it keeps) and kept STATS_RETENTION_DAYS. Like the log they outlive the ' +
      'coupon, and erasing a user leaves them (they name no user). 404 when STATS_RETENTION_DAYS=0',
  })
  @ApiErrors(400, 404)
  days(@Param('code', CouponCodePipe) code: string, @Query() query: StatsQuery) {
    return this.stats.days(code, query);
  }
}
