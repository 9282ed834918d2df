import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import {
  validateSync,
  ValidateIf,
  ValidationError,
  type ValidationArguments,
  type ValidationOptions,
  type ValidatorOptions,
} from 'class-validator';
import { rawInputProblems } from './raw-input.js';

/**
 * The same rules for REST bodies, query strings and job data. Every bad field is reported, each
 * once: class-validator stops at the first failing check of a field (stopAtFirstError is per
 * property), running the decorator nearest the property first, so DTOs put the type check
 * (IsString, IsInt...) last, just above the property; and the checks of a field share one
 * message, made with `must`, that says all the field must be.
 */
export const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
};

/** The one message of every check of a field: `must('a number from 1 to 100')`. */
export const must = (rule: string): ValidationOptions => ({
  message: (args: ValidationArguments) => `${args.property} must be ${rule}`,
});

/** What checks beyond single fields may need: the time of the request and the coupon time zone. */
export interface ValidationContext {
  now: number;
  couponTz: string;
}

/**
 * A DTO whose fields must also agree with each other or with the time (a future expiry, a start
 * before it). `valid` holds the fields that passed their own checks; the problems found are
 * reported along with those of the fields.
 */
export interface CrossFieldChecks {
  crossFieldProblems(context: ValidationContext, valid: (field: string) => boolean): string[];
}

const hasCrossFieldChecks = (value: unknown): value is CrossFieldChecks =>
  typeof (value as Partial<CrossFieldChecks> | null)?.crossFieldProblems === 'function';

/** The problems of an instance's own fields, then those between them. */
function problemsOf(
  errors: ValidationError[],
  instance: object,
  context: ValidationContext | undefined,
): ValidationError[] {
  if (!context || !hasCrossFieldChecks(instance)) return errors;
  const invalid = new Set(errors.map((error) => error.property));
  const cross = instance.crossFieldProblems(context, (field) => !invalid.has(field));
  return [
    ...errors,
    ...cross.map((message) =>
      Object.assign(new ValidationError(), { property: '', constraints: { crossField: message } }),
    ),
  ];
}

/** May be left out, but never null. */
export const IsOptionalNotNull = () => ValidateIf((_object, value) => value !== undefined);

/** One message per bad field, nested fields named by their path. */
export function describeErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      parent ? `${parent}.${message}` : message,
    );
    return [...own, ...describeErrors(error.children ?? [], path)];
  });
}

/** Nest's ValidationPipe, after the raw-input checks, with the messages as describeErrors makes them. */
export class StrictValidationPipe extends ValidationPipe {
  constructor(private readonly context?: () => ValidationContext) {
    super({
      ...VALIDATOR_OPTIONS,
      transform: true,
      exceptionFactory: (errors) => new BadRequestException(describeErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problems = rawInputProblems(value);
      if (problems.length > 0) throw new BadRequestException(problems);
    }
    return super.transform(value, metadata);
  }

  protected override async validate(object: object, options?: ValidatorOptions) {
    return problemsOf(await super.validate(object, options), object, this.context?.());
  }
}

/** Checks untrusted data against a DTO class: the instance, or the list of problems. */
export function validatePlain<T extends object>(
  cls: ClassConstructor<T>,
  data: unknown,
  context?: ValidationContext,
): { value: T; problems?: undefined } | { value?: undefined; problems: string[] } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { problems: ['data must be a JSON object'] };
  }
  const raw = rawInputProblems(data);
  if (raw.length > 0) return { problems: raw };
  const value = plainToInstance(cls, data);
  const errors = problemsOf(validateSync(value, VALIDATOR_OPTIONS), value, context);
  return errors.length > 0 ? { problems: describeErrors(errors) } : { value };
}
