import { createHash, timingSafeEqual } from 'node:crypto';

export const ADMIN_TOKEN = Symbol('AdminToken');

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares candidates with the admin token in constant time (equal-length digests). */
export class TokenMatcher {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  matches(candidate: string | undefined): boolean {
    return candidate !== undefined && timingSafeEqual(digest(candidate), this.expected);
  }
}

/** The token of `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
}

/** The password of `Authorization: Basic base64(user:password)`; any user name. */
export function basicPassword(header: string | undefined): string | undefined {
  const encoded = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}
