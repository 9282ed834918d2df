import {
  BadRequestException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, ValidateIf, type ValidatorOptions } from 'class-validator';
import { rawInputProblems } from './raw-input.js';

/**
 * The same rules for REST bodies, query strings and job data. Only the first failing check of a
 * field is reported, and class-validator runs the decorator nearest the property first: so DTOs
 * put the type check (IsString, IsInt...) last, just above the property.
 */
export const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
};

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
class StrictValidationPipe extends ValidationPipe {
  constructor() {
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
}

export const validationPipe = new StrictValidationPipe();

/** Checks untrusted data against a DTO class: the instance, or the list of problems. */
export function validatePlain<T extends object>(
  cls: ClassConstructor<T>,
  data: unknown,
): { value: T; problems?: undefined } | { value?: undefined; problems: string[] } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { problems: ['data must be a JSON object'] };
  }
  const raw = rawInputProblems(data);
  if (raw.length > 0) return { problems: raw };
  const value = plainToInstance(cls, data);
  const errors = validateSync(value, VALIDATOR_OPTIONS);
  return errors.length > 0 ? { problems: describeErrors(errors) } : { value };
}
