import { applyDecorators, type INestApplication } from '@nestjs/common';
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
    example: ['discountPercentage must not be greater than 100'],
    description: 'One message, or one per bad field',
  })
  message!: string | string[];

  @ApiProperty({
    required: false,
    description: 'A failed readiness check: each check with its status',
  })
  details?: Record<string, unknown>;
}

const ERROR_MEANINGS: Record<number, string> = {
  400: 'Bad input: one message per bad field; nothing is stored',
  401: 'Missing or wrong bearer token',
  404: 'No such coupon, user or job',
  409: 'Taken code, id or email',
  503: 'A job failed or a dependency is down',
};

/** Documents that a route needs the bearer token, and the error answers it can give. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ApiBearerAuth(),
    ...[401, ...statuses].map((status) =>
      ApiResponse({ status, type: ErrorResponse, description: ERROR_MEANINGS[status] }),
    ),
  );

/** OpenAPI 3 document at /docs (UI) and /docs/json. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Coupon Code Service')
    .setDescription(
      'Admin API for coupons, repeat counts, users and redemptions. Order systems may instead publish `redeem` jobs on the BullMQ queue `coupon-redemptions` (see docs/schemas in the repository).',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
}
