import { applyDecorators, type INestApplication } from '@nestjs/common';
import { DateTime } from 'luxon';
import { STATUS_CODES } from 'node:http';
import { Clock } from '../clock/clock.js';
import {
  ApiBearerAuth,
  ApiProperty,
  ApiResponse,
  DocumentBuilder,
  SwaggerModule,
} from '@nestjs/swagger';

/** The one error shape every route answers with. */
export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: [
      'discountPercentage must be a number above 0 and at most 100',
      'expiresAt must be in the future',
    ],
    description: 'One message, or one per bad field',
  })
  message!: string | string[];

  @ApiProperty({
    required: false,
    description: 'A failed readiness check: each check with its status',
  })
  details?: Record<string, unknown>;
}

/**
 * Stand for the day the app started and the year after, in COUPON_TZ, in example dates: the example
 * coupon must have started and must not have expired, however long ago the service was built.
 * setupOpenApi puts in the dates.
 */
const TODAY = '{today}';
const NEXT_YEAR = '{next-year}';

/** An example coupon date: `MM-DD` of next year, or the day the app started. */
export const exampleDate = (monthDay: string | 'today') =>
  monthDay === 'today' ? TODAY : `${NEXT_YEAR}-${monthDay}`;

/** What each path parameter is in the examples: the example coupon, user and redemption job. */
const PATH_EXAMPLES: Record<string, string> = {
  code: 'SAVE10',
  userId: 'alice',
  id: 'alice',
  jobId: 'redeem.SAVE10.order-1001',
  batch: '1',
  // Unique codes derive from a secret each coupon gets at its first batch: no example is one.
  uniqueCode: 'SAVE10-7KQ2M9XR4TD8HPZ3',
};

const ERROR_ANSWERS: Record<number, { meaning: string; message: string | string[] }> = {
  400: {
    meaning: 'Bad input: one message per bad field; nothing is stored',
    message: [
      'discountPercentage must be a number above 0 and at most 100',
      'expiresAt must be in the future',
    ],
  },
  401: {
    meaning: 'Missing or wrong bearer token',
    message: 'Send Authorization: Bearer <ADMIN_TOKEN>',
  },
  404: { meaning: 'No such coupon, user or job', message: 'Coupon SAVE10 not found' },
  409: { meaning: 'Taken code, id or email', message: 'Coupon SAVE10 already exists' },
  413: { meaning: 'A body over 64 KiB', message: 'request entity too large' },
  415: {
    meaning: 'A body that is not sent as JSON',
    message: 'Content-Type must be application/json, not text/plain',
  },
  503: {
    meaning: 'A job failed or a dependency is down',
    message: 'Redis is unavailable; try again shortly',
  },
};

/** The error body a status answers with, as an example. */
export const errorExample = (status: number, message = ERROR_ANSWERS[status]!.message) => ({
  statusCode: status,
  error: STATUS_CODES[status],
  message,
});

/** Documents that a route needs the bearer token, and the error answers it can give. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ApiBearerAuth(),
    ...[401, ...statuses].map((status) =>
      ApiResponse({
        status,
        type: ErrorResponse,
        description: ERROR_ANSWERS[status]!.meaning,
        example: errorExample(status),
      }),
    ),
  );

/** The error answers of a route that takes a JSON body, with those of the route itself. */
export const ApiBodyErrors = (...statuses: number[]) => ApiErrors(400, 413, 415, ...statuses);

/** OpenAPI 3 document at /docs (UI) and /docs/json. */
export function setupOpenApi(app: INestApplication, couponTz: string): void {
  const config = new DocumentBuilder()
    .setTitle('Coupon Code Service')
    .setDescription(
      'Admin API for coupons, repeat counts, users and redemptions. Order systems may instead publish `redeem`, `rollback`, `reserve` and `release` jobs on the BullMQ queue `coupon-redemptions` (see docs/schemas in the repository). See also the [admin console](/console) and the [queue dashboard](/queues).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' })
    .build();
  const created = SwaggerModule.createDocument(app, config);
  for (const path of Object.values(created.paths)) {
    for (const operation of Object.values(path)) {
      const parameters =
        (operation as { parameters?: { name: string; in: string; example?: unknown }[] })
          .parameters ?? [];
      for (const parameter of parameters) {
        const example = PATH_EXAMPLES[parameter.name];
        if (parameter.in === 'path' && example && parameter.example === undefined) {
          parameter.example = example;
        }
      }
    }
  }
  // Example dates are relative to the start, so that "Try it out" keeps working.
  const today = DateTime.fromMillis(app.get(Clock, { strict: false }).now(), { zone: couponTz });
  const document = JSON.parse(
    JSON.stringify(created)
      .replaceAll(TODAY, today.toISODate()!)
      .replaceAll(NEXT_YEAR, String(today.year + 1)),
  ) as typeof created;
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}
