import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidateBy,
} from 'class-validator';
import { isValidTimeZone } from '../domain/periods.js';

export interface AppConfig {
  port: number;
  /** Unset: the service runs an embedded throwaway Redis. */
  redisUrl: string | undefined;
  queuePrefix: string;
  store: 'memory';
  couponTz: string;
  /** Unset: a random token is made at start and logged once. */
  adminToken: string | undefined;
  requireRegisteredUsers: boolean;
  redemptionWaitMs: number;
  /** How long the first outcome of an order is kept and replayed. */
  idempotencyTtlHours: number;
}

/** Where each default lives. */
export const DEFAULTS = {
  port: 5001,
  queuePrefix: 'bull',
  store: 'memory',
  couponTz: 'UTC',
  requireRegisteredUsers: true,
  redemptionWaitMs: 5000,
  idempotencyTtlHours: 168,
} as const;

const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

class Environment {
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'PORT must be a whole number from 0 to 65535' })
  @Min(0, { message: 'PORT must be a whole number from 0 to 65535' })
  @Max(65535, { message: 'PORT must be a whole number from 0 to 65535' })
  PORT?: number;

  @IsOptional()
  @IsUrl(
    { protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true },
    { message: 'REDIS_URL must be a redis:// or rediss:// URL' },
  )
  REDIS_URL?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_{}-]{1,64}$/, {
    message: 'QUEUE_PREFIX must be 1-64 characters of letters, digits, _ - { }',
  })
  QUEUE_PREFIX?: string;

  @IsOptional()
  @IsIn(['memory'], { message: 'STORE must be memory' })
  STORE?: 'memory';

  @IsOptional()
  @ValidateBy({
    name: 'isTimeZone',
    validator: {
      validate: (value) => typeof value === 'string' && isValidTimeZone(value),
      defaultMessage: () => 'COUPON_TZ must be an IANA time zone such as UTC or Europe/Berlin',
    },
  })
  COUPON_TZ?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ADMIN_TOKEN must be at least 16 characters' })
  @Matches(/^\S+$/, { message: 'ADMIN_TOKEN must not contain spaces' })
  ADMIN_TOKEN?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsIn([true, false], { message: 'REQUIRE_REGISTERED_USERS must be true or false' })
  REQUIRE_REGISTERED_USERS?: boolean;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'REDEMPTION_WAIT_MS must be a whole number from 0 to 60000' })
  @Min(0, { message: 'REDEMPTION_WAIT_MS must be a whole number from 0 to 60000' })
  @Max(60000, { message: 'REDEMPTION_WAIT_MS must be a whole number from 0 to 60000' })
  REDEMPTION_WAIT_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'IDEMPOTENCY_TTL_HOURS must be a whole number from 1 to 8760' })
  @Min(1, { message: 'IDEMPOTENCY_TTL_HOURS must be a whole number from 1 to 8760' })
  @Max(8760, { message: 'IDEMPOTENCY_TTL_HOURS must be a whole number from 1 to 8760' })
  IDEMPOTENCY_TTL_HOURS?: number;
}

const VARIABLES = [
  'PORT',
  'REDIS_URL',
  'QUEUE_PREFIX',
  'STORE',
  'COUPON_TZ',
  'ADMIN_TOKEN',
  'REQUIRE_REGISTERED_USERS',
  'REDEMPTION_WAIT_MS',
  'IDEMPOTENCY_TTL_HOURS',
] as const satisfies readonly (keyof Environment)[];

export class ConfigError extends Error {}

/** Reads and checks the environment once; an empty variable counts as unset. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const present = Object.fromEntries(
    VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [
      name,
      env[name],
    ]),
  );
  const parsed = plainToInstance(Environment, present);
  const errors = validateSync(parsed, { stopAtFirstError: true });
  if (errors.length > 0) {
    throw new ConfigError(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; '));
  }
  return {
    port: parsed.PORT ?? DEFAULTS.port,
    redisUrl: parsed.REDIS_URL,
    queuePrefix: parsed.QUEUE_PREFIX ?? DEFAULTS.queuePrefix,
    store: parsed.STORE ?? DEFAULTS.store,
    couponTz: parsed.COUPON_TZ ?? DEFAULTS.couponTz,
    adminToken: parsed.ADMIN_TOKEN,
    requireRegisteredUsers: parsed.REQUIRE_REGISTERED_USERS ?? DEFAULTS.requireRegisteredUsers,
    redemptionWaitMs: parsed.REDEMPTION_WAIT_MS ?? DEFAULTS.redemptionWaitMs,
    idempotencyTtlHours: parsed.IDEMPOTENCY_TTL_HOURS ?? DEFAULTS.idempotencyTtlHours,
  };
}
