import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { UserIdPipe } from '../common/id-params.js';
import { PaginationQuery } from '../common/pagination.dto.js';
import { CreateUserDto } from './user.dto.js';
import { UsersService } from './users.service.js';

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  create(@Body() body: CreateUserDto) {
    return this.users.create(body);
  }

  @Get()
  list(@Query() query: PaginationQuery) {
    return this.users.list(query.offset, query.limit);
  }

  @Get(':id')
  get(@Param('id', UserIdPipe) id: string) {
    return this.users.get(id);
  }
}
