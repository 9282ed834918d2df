import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiBodyErrors, ApiErrors } from '../common/openapi.js';
import {
  BusiestUsersResponse,
  CouponPage,
  CouponResponse,
  HoldPage,
  RepeatCountsResponse,
  UsageResponse,
  ValidateResponse,
} from './coupon.responses.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { CouponCodePipe, UserIdPipe } from '../common/id-params.js';
import {
  BusiestUsersQuery,
  CreateCouponDto,
  HoldsQuery,
  ListCouponsQuery,
  RepeatCountsDto,
  UpdateCouponDto,
  ValidateQuery,
} from './coupon.dto.js';
import { CouponsService } from './coupons.service.js';
import { LogPageResponse, RedemptionLogQuery } from './redemption-log.dto.js';

@ApiTags('coupons')
@Controller('coupons')
export class CouponsController {
  constructor(private readonly coupons: CouponsService) {}

  @Post()
  @ApiCreatedResponse({ type: CouponResponse })
  @ApiBodyErrors(409)
  create(@Body() body: CreateCouponDto) {
    return this.coupons.create(body);
  }

  @Get()
  @ApiOkResponse({
    type: CouponPage,
    description: 'By code; with q, those whose code starts with it (total counts them)',
  })
  @ApiErrors(400)
  list(@Query() query: ListCouponsQuery) {
    return this.coupons.list(query.offset, query.limit, query.q);
  }

  @Get(':code')
  @ApiOkResponse({ type: CouponResponse })
  @ApiErrors(404)
  get(@Param('code', CouponCodePipe) code: string) {
    return this.coupons.get(code);
  }

  @Patch(':code')
  @ApiOkResponse({ type: CouponResponse })
  @ApiBodyErrors(404)
  update(@Param('code', CouponCodePipe) code: string, @Body() body: UpdateCouponDto) {
    return this.coupons.update(code, body);
  }

  @Delete(':code')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted with its usage' })
  @ApiErrors(404)
  remove(@Param('code', CouponCodePipe) code: string) {
    return this.coupons.remove(code);
  }

  @Get(':code/repeat-counts')
  @ApiOkResponse({ type: RepeatCountsResponse })
  @ApiErrors(404)
  repeatCounts(@Param('code', CouponCodePipe) code: string) {
    return this.coupons.repeatCounts(code);
  }

  @Put(':code/repeat-counts')
  @ApiOkResponse({ type: RepeatCountsResponse, description: 'Only the fields given change' })
  @ApiBodyErrors(404)
  setRepeatCounts(@Param('code', CouponCodePipe) code: string, @Body() body: RepeatCountsDto) {
    return this.coupons.setRepeatCounts(code, body);
  }

  @Get(':code/usage/:userId')
  @ApiOkResponse({
    type: UsageResponse,
    description:
      'Counts of the current day and week: uses counted and uses held by live checkout holds ' +
      "apart, remaining after both; :code may be a unique code (its coupon's counts)",
  })
  @ApiErrors(400, 404)
  usage(@Param('code', CouponCodePipe) code: string, @Param('userId', UserIdPipe) userId: string) {
    return this.coupons.usage(code, userId);
  }

  @Delete(':code/usage/:userId')
  @ApiOkResponse({
    type: UsageResponse,
    description:
      'Forgives the user on this coupon: their total, daily and weekly counts go to 0 (the ' +
      'global count, kept outcomes and live holds stay); answers their usage now, as GET does',
  })
  @ApiErrors(400, 404)
  forgive(
    @Param('code', CouponCodePipe) code: string,
    @Param('userId', UserIdPipe) userId: string,
  ) {
    return this.coupons.forgive(code, userId);
  }

  @Get(':code/busiest-users')
  @ApiOkResponse({
    type: BusiestUsersResponse,
    description:
      'Who used the coupon most in the current day and ISO week (COUPON_TZ), and how many users ' +
      'are at its userDaily and userWeekly limits with uses counted plus held. A read: it changes nothing',
  })
  @ApiErrors(400, 404)
  busiestUsers(@Param('code', CouponCodePipe) code: string, @Query() query: BusiestUsersQuery) {
    return this.coupons.busiestUsers(code, query.limit);
  }

  @Get(':code/holds')
  @ApiOkResponse({
    type: HoldPage,
    description:
      'The live checkout holds now, soonest expiry first. A read: an expired hold is left out, ' +
      'not dropped (the next redemption or hold of the coupon drops and logs it)',
  })
  @ApiErrors(400, 404)
  holds(@Param('code', CouponCodePipe) code: string, @Query() query: HoldsQuery) {
    return this.coupons.holds(code, query.limit);
  }

  @Get(':code/redemptions')
  @ApiOkResponse({
    type: LogPageResponse,
    description:
      'The redemption log, newest first: decisions, rollbacks and checkout holds (reserved, ' +
      'confirmed, released, expired), kept REDEMPTION_LOG_TTL_DAYS. ' +
      'It outlives the coupon. A page may hold fewer than `limit` entries and still have a nextCursor.',
  })
  @ApiErrors(400)
  redemptions(@Param('code', CouponCodePipe) code: string, @Query() query: RedemptionLogQuery) {
    return this.coupons.redemptionLog(code, query);
  }

  @Get(':code/validate')
  @ApiOkResponse({
    type: ValidateResponse,
    description:
      'A dry run; consumes nothing. Limits are checked against uses counted plus uses held by ' +
      'live checkout holds (`held`). :code may be a unique code of a coupon: its own rules apply too',
  })
  @ApiErrors(400)
  validate(@Param('code', CouponCodePipe) code: string, @Query() query: ValidateQuery) {
    return this.coupons.validate(code, query.userId);
  }
}
