import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiBodyErrors, ApiErrors } from '../common/openapi.js';
import { UserErasedResponse, UserPage, UserResponse } from './user.responses.js';
import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { UserIdPipe } from '../common/id-params.js';
import { PaginationQuery } from '../common/pagination.dto.js';
import { CreateUserDto, UpdateUserDto } from './user.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiCreatedResponse({ type: UserResponse })
  @ApiBodyErrors(409)
  create(@Body() body: CreateUserDto) {
    return this.users.create(body);
  }

  @Get()
  @ApiOkResponse({ type: UserPage, description: 'By id' })
  @ApiErrors(400)
  list(@Query() query: PaginationQuery) {
    return this.users.list(query.offset, query.limit);
  }

  @Get(':id')
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 404)
  get(@Param('id', UserIdPipe) id: string) {
    return this.users.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserResponse })
  @ApiBodyErrors(404, 409)
  update(@Param('id', UserIdPipe) id: string, @Body() body: UpdateUserDto) {
    return this.users.update(id, body);
  }

  @Delete(':id')
  @ApiOkResponse({
    type: UserErasedResponse,
    description:
      'A data-protection erasure: the user, and on every coupon their counters, the kept ' +
      'outcomes of their orders and their redemption-log entries. Coupons’ global counts stay.',
  })
  @ApiErrors(400, 404)
  remove(@Param('id', UserIdPipe) id: string) {
    return this.users.remove(id);
  }
}
