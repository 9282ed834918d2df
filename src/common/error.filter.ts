import { isRedisUnavailable } from '../redis/unavailable.js';
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { TooManyRequests } from '../auth/rate-limits.js';

export interface ErrorBody {
  statusCode: number;
  error: string;
  /** One message, or one per bad field. */
  message: string | string[];
  details?: unknown;
}

/** Every error leaves in one shape; faults are logged and their details kept from the client. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (exception instanceof TooManyRequests) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (isRedisUnavailable(exception)) {
      this.logger.warn(`Redis unavailable: ${(exception as Error).message}`);
      return {
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message: 'Redis is unavailable; try again shortly',
      };
    }
    const statusCode = statusOf(exception);
    const error = STATUS_CODES[statusCode] ?? 'Error';
    if (statusCode >= 500 && !(exception instanceof HttpException)) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
      return { statusCode, error, message: 'Internal server error' };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? (body as { message: string | string[] }).message
          : exception.message;
      // A failed health check names what is down.
      const details =
        typeof body === 'object' && body !== null && 'details' in body
          ? { details: body.details }
          : {};
      return { statusCode, error, message, ...details };
    }
    // Errors from Express middleware, such as a body that is not JSON, carry their own status.
    return { statusCode, error, message: (exception as Error).message };
  }
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600
    ? status
    : HttpStatus.INTERNAL_SERVER_ERROR;
}
