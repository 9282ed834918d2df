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
import { PaginationQuery } from '../common/pagination.dto.js';
import { CreateCouponDto, RepeatCountsDto, UpdateCouponDto, ValidateQuery } from './coupon.dto.js';
import { CouponsService } from './coupons.service.js';

@Controller('coupons')
export class CouponsController {
  constructor(private readonly coupons: CouponsService) {}

  @Post()
  create(@Body() body: CreateCouponDto) {
    return this.coupons.create(body);
  }

  @Get()
  list(@Query() query: PaginationQuery) {
    return this.coupons.list(query.offset, query.limit);
  }

  @Get(':code')
  get(@Param('code', CouponCodePipe) code: string) {
    return this.coupons.get(code);
  }

  @Patch(':code')
  update(@Param('code', CouponCodePipe) code: string, @Body() body: UpdateCouponDto) {
    return this.coupons.update(code, body);
  }

  @Delete(':code')
  @HttpCode(204)
  remove(@Param('code', CouponCodePipe) code: string) {
    return this.coupons.remove(code);
  }

  @Get(':code/repeat-counts')
  repeatCounts(@Param('code', CouponCodePipe) code: string) {
    return this.coupons.repeatCounts(code);
  }

  @Put(':code/repeat-counts')
  setRepeatCounts(@Param('code', CouponCodePipe) code: string, @Body() body: RepeatCountsDto) {
    return this.coupons.setRepeatCounts(code, body);
  }

  @Get(':code/usage/:userId')
  usage(@Param('code', CouponCodePipe) code: string, @Param('userId', UserIdPipe) userId: string) {
    return this.coupons.usage(code, userId);
  }

  @Get(':code/validate')
  validate(@Param('code', CouponCodePipe) code: string, @Query() query: ValidateQuery) {
    return this.coupons.validate(code, query.userId);
  }
}
