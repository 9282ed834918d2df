import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Param,
  Post,
  Query,
  Req,
  StreamableFile,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiParam,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { callerOf } from '../auth/admin-token.guard.js';
import { ApiBodyErrors, ApiErrors } from '../common/openapi.js';
import { CouponCodePipe } from '../common/id-params.js';
import { MAX_BATCHES } from '../domain/unique-codes.js';
import { CodeExportQuery, CreateCodeBatchDto } from './code-batch.dto.js';
import {
  CodeBatchList,
  CodeBatchResponse,
  CodePage,
  UniqueCodeResponse,
} from './code.responses.js';
import { CodesService, type Requester } from './codes.service.js';

const DEFAULT_PAGE = 100;

/**
 * A batch number from the path: a whole number from 1, in plain digits, checked and passed on as
 * the string it came as. The handler declares it a string: declared a number, the global
 * ValidationPipe would Number() it first, which made `1e0`, `+1` or `0x1` batch 1.
 */
class BatchNumberPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^\d{1,9}$/.test(value) || Number(value) < 1) {
      throw new BadRequestException([`batch must be a whole number from 1 to ${MAX_BATCHES}`]);
    }
    return value;
  }
}

const requester = (request: Request): Requester => ({
  caller: callerOf(request) ?? 'unknown caller',
  address: request.ip ?? 'an unknown address',
});

@ApiTags('unique codes')
@Controller('coupons')
export class CodesController {
  constructor(private readonly codes: CodesService) {}

  @Post(':code/code-batches')
  @ApiCreatedResponse({
    type: CodeBatchResponse,
    description: 'A batch of unique codes, made at once: codes are derived, not stored',
  })
  @ApiBodyErrors(404, 409)
  create(@Param('code', CouponCodePipe) code: string, @Body() body: CreateCodeBatchDto) {
    return this.codes.createBatch(code, {
      count: body.count,
      usesPerCode: body.usesPerCode === undefined ? 1 : body.usesPerCode,
    });
  }

  @Get(':code/code-batches')
  @ApiOkResponse({ type: CodeBatchList, description: 'All batches of the coupon, oldest first' })
  @ApiErrors(404)
  list(@Param('code', CouponCodePipe) code: string) {
    return this.codes.listBatches(code);
  }

  @Get(':code/code-batches/:batch/codes')
  @ApiExtraModels(CodePage)
  @ApiProduces('text/csv', 'application/json')
  @ApiOkResponse({
    description:
      'Without offset and limit: every code of the batch as a CSV download (a `code` header, ' +
      'one code per line), streamed. With offset or limit: one JSON page of codes.',
    content: {
      'text/csv': {
        schema: { type: 'string', example: 'code\nSAVE10-7KQ2M9XR4TD8HPZ3\n' },
      },
      'application/json': { schema: { $ref: getSchemaPath(CodePage) } },
    },
  })
  @ApiParam({ name: 'batch', type: 'integer', schema: { type: 'integer', minimum: 1 }, example: 1 })
  @ApiErrors(400, 404)
  async export(
    @Param('code', CouponCodePipe) code: string,
    @Param('batch', BatchNumberPipe) batchDigits: string,
    @Query() query: CodeExportQuery,
    @Req() request: Request,
  ) {
    const batch = Number(batchDigits);
    if (query.offset !== undefined || query.limit !== undefined) {
      return this.codes.page(
        code,
        batch,
        query.offset ?? 0,
        query.limit ?? DEFAULT_PAGE,
        requester(request),
      );
    }
    const { stream, filename } = await this.codes.csv(code, batch, requester(request));
    return new StreamableFile(stream, {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${filename}"`,
    });
  }

  @Get(':code/codes/:uniqueCode')
  @ApiOkResponse({ type: UniqueCodeResponse })
  @ApiErrors(404)
  get(
    @Param('code', CouponCodePipe) code: string,
    @Param('uniqueCode', CouponCodePipe) uniqueCode: string,
  ) {
    return this.codes.getCode(code, uniqueCode);
  }

  @Delete(':code/codes/:uniqueCode')
  @ApiOkResponse({
    type: UniqueCodeResponse,
    description: 'Revokes the code: its redemptions are refused with CODE_REVOKED; again is 200',
  })
  @ApiErrors(404)
  revoke(
    @Param('code', CouponCodePipe) code: string,
    @Param('uniqueCode', CouponCodePipe) uniqueCode: string,
  ) {
    return this.codes.revoke(code, uniqueCode);
  }
}
