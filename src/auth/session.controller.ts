import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '../common/openapi.js';
import { callerOf, type Caller } from './admin-token.guard.js';

export class SessionResponse {
  @ApiProperty({
    enum: ['admin', 'viewer'],
    example: 'admin',
    description: 'viewer: the VIEWER_TOKEN, which may only read (GET)',
  })
  role!: Caller;
}

/** Which token the caller holds, so a console can offer only what that token may do. */
@ApiTags('session')
@Controller('session')
export class SessionController {
  @Get()
  @ApiOkResponse({ type: SessionResponse })
  @ApiErrors()
  session(@Req() request: Request): SessionResponse {
    // The guard let the request in (the route is not @Public()), so it recorded the caller.
    return { role: callerOf(request)! };
  }
}
