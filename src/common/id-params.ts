import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { length } from 'class-validator';
import { normalizeCouponCode } from '../domain/coupon.js';

/** A coupon code from the path, matched case-insensitively. */
export class CouponCodePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return normalizeCouponCode(value);
  }
}

/** A user id from the path: 1-128 characters, counted as class-validator counts them everywhere else. */
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!length(value, 1, 128)) {
      throw new BadRequestException(['userId must be a string of 1-128 characters']);
    }
    return value;
  }
}
