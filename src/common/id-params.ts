import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { normalizeCouponCode } from '../domain/coupon.js';

/** A coupon code from the path, matched case-insensitively. */
export class CouponCodePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return normalizeCouponCode(value);
  }
}

/** A user id from the path: 1-128 characters, as everywhere else. */
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (value.length < 1 || value.length > 128) {
      throw new BadRequestException(['userId must be 1-128 characters']);
    }
    return value;
  }
}
