import { createCipheriv, hkdfSync, type Cipher } from 'node:crypto';
import type { RejectionReason } from './decide.js';
import type { Limit } from './coupon.js';

/**
 * Unique codes: `<COUPON>-<body>`, derived from a per-coupon secret and an index, checked by
 * recomputing, so a code that was never used takes no storage.
 *
 * Every batch of a coupon is a range of one index space of 2^34 indexes. A body is 16 characters
 * of a 31-letter alphabet without look-alikes: 7 for t = P(index), a keyed pseudorandom
 * permutation of the index space (an 8-round Feistel network with AES-128 as its round function,
 * the construction of NIST's FF1), and 9 for m = MAC(t) mod 31^9 (AES-128 under a second key, 52
 * bits of it). t hides the index, the batch and how many codes exist; a guessed body passes the
 * MAC with probability at most ceil(2^52 / 31^9) / 2^52 < 2^-44.
 */

/** No 0/O, no 1/I/L. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_BODY_LENGTH = 16;
const T_CHARS = 7;
const MAC_CHARS = 9;
const BASE = CODE_ALPHABET.length;
const MAC_SPACE = BASE ** MAC_CHARS;
const HALF_BITS = 17;
const HALF = 2 ** HALF_BITS;
const ROUNDS = 8;
/** Codes of one coupon, over all its batches. */
export const INDEX_SPACE = HALF * HALF;
export const MAX_BATCH_CODES = 10_000_000;
export const MAX_BATCHES = 1000;
export const MAX_USES_PER_CODE = 2 ** 31 - 1;

/** A normalised (upper-case) unique code: the coupon's code, a dash, the body. */
export const UNIQUE_CODE_PATTERN = /^([A-Z0-9_-]{3,64})-([2-9A-HJKMNP-Z]{16})$/;

const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE; i++) DIGIT[CODE_ALPHABET.charCodeAt(i)] = i;

export interface CodeBatch {
  /** 1, 2, …: the batch's number within its coupon. */
  batch: number;
  count: number;
  /** Uses each code of the batch allows; null: unlimited. */
  usesPerCode: Limit;
  createdAt: number;
  /** The batch's first index in the coupon's index space. */
  first: number;
}

/** A coupon's unique codes: the secret they derive from (hex) and their batches, oldest first. */
export interface UniqueCodes {
  secret: string;
  batches: CodeBatch[];
}

/** A unique code as its coupon places it. */
export interface PlacedCode {
  /** Normalised: `<COUPON>-<body>`. */
  code: string;
  index: number;
  batch: CodeBatch;
}

/** The coupon code and body of something shaped like a unique code (normalised); nothing is checked. */
export function splitUniqueCode(code: string): { coupon: string; body: string } | undefined {
  const match = UNIQUE_CODE_PATTERN.exec(code);
  return match ? { coupon: match[1]!, body: match[2]! } : undefined;
}

/** A new batch after those there are, or why there can be none. */
export function nextBatch(
  batches: readonly CodeBatch[],
  request: { count: number; usesPerCode: Limit },
  now: number,
): CodeBatch | 'too-many-batches' | 'index-space-full' {
  if (batches.length >= MAX_BATCHES) return 'too-many-batches';
  const last = batches[batches.length - 1];
  const first = last ? last.first + last.count : 0;
  if (first + request.count > INDEX_SPACE) return 'index-space-full';
  return { batch: batches.length + 1, first, createdAt: now, ...request };
}

/** The batch holding an index (batches are consecutive ranges, oldest first). */
export function batchOf(batches: readonly CodeBatch[], index: number): CodeBatch | undefined {
  const at = batchPosition(batches, index);
  return at < 0 ? undefined : batches[at];
}

/** Where in `batches` the batch holding an index is, or -1. */
function batchPosition(batches: readonly CodeBatch[], index: number): number {
  let low = 0;
  let high = batches.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const batch = batches[mid]!;
    if (index < batch.first) high = mid - 1;
    else if (index >= batch.first + batch.count) low = mid + 1;
    else return mid;
  }
  return -1;
}

/**
 * How many codes of each batch (in the order of `batches`) have been used: those with at least one
 * use counted. A use rolled back is no use (a code back at 0 is unused again); revoking a code
 * changes nothing here, so a revoked code counts only if it has uses. `uses` gives each used code
 * once, as (index, uses); an index in no batch is not counted.
 */
export function usedPerBatch(
  batches: readonly CodeBatch[],
  uses: Iterable<readonly [index: number, uses: number]>,
): number[] {
  const used = batches.map(() => 0);
  for (const [index, count] of uses) {
    if (!(count > 0)) continue;
    const at = batchPosition(batches, index);
    if (at >= 0) used[at]! += 1;
  }
  return used;
}

/**
 * Why a unique code refuses one more use (checked after the coupon- and user-level rules, before
 * the coupon's counters), or null. Revoked comes first: a revoked code is refused whatever else.
 */
export function codeRefusal(
  state: { used: number; revoked: boolean },
  limit: Limit,
): Extract<RejectionReason, 'CODE_REVOKED' | 'CODE_LIMIT_REACHED'> | null {
  if (state.revoked) return 'CODE_REVOKED';
  if (limit !== null && state.used >= limit) return 'CODE_LIMIT_REACHED';
  return null;
}

function ecb(key: Buffer): Cipher {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return cipher;
}

function writeBlock(blocks: Uint8Array, at: number, tag: number, high: number, low: number) {
  blocks[at] = tag;
  blocks[at + 1] = high >>> 16;
  blocks[at + 2] = high >>> 8;
  blocks[at + 3] = high;
  blocks[at + 4] = low >>> 24;
  blocks[at + 5] = low >>> 16;
  blocks[at + 6] = low >>> 8;
  blocks[at + 7] = low;
}

const ALPHABET_BYTES = Buffer.from(CODE_ALPHABET, 'latin1');

// Exact division after taking the remainder, not Math.floor: the same result, and in a vm context
// (Jest's) a Math call per digit made a million codes 10x slower.
function writeDigits(out: Buffer, at: number, value: number, digits: number) {
  for (let i = at + digits - 1; i >= at; i--) {
    const digit = value % BASE;
    out[i] = ALPHABET_BYTES[digit]!;
    value = (value - digit) / BASE;
  }
}

function readDigits(body: string, from: number, digits: number): number {
  let value = 0;
  for (let i = from; i < from + digits; i++) value = value * BASE + DIGIT[body.charCodeAt(i)]!;
  return value;
}

/**
 * Derives and checks one coupon's code bodies. Keep one per secret: its two AES ciphers are
 * reused (ECB without padding keeps no state between calls).
 */
export class CodeCipher {
  private readonly permutation: Cipher;
  private readonly mac: Cipher;
  /** Checks since its round table was last made or dropped (see table()). */
  private checks = 0;

  constructor(secret: string) {
    const keys = Buffer.from(
      hkdfSync('sha256', Buffer.from(secret, 'hex'), '', 'coupon unique codes', 32),
    );
    this.permutation = ecb(keys.subarray(0, 16));
    this.mac = ecb(keys.subarray(16));
  }

  /** The bodies of `count` consecutive indexes from `first`, computed in one pass per round. */
  bodies(first: number, count: number): string[] {
    const ascii = this.asciiBodies(first, count);
    const bodies = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      bodies[i] = ascii.toString('latin1', i * CODE_BODY_LENGTH, (i + 1) * CODE_BODY_LENGTH);
    }
    return bodies;
  }

  /**
   * `count` consecutive bodies from index `first`, as ASCII, 16 bytes each: the permutation runs
   * one round for all of them per AES call, so a million codes take a fraction of a second.
   */
  asciiBodies(first: number, count: number): Buffer {
    const left = new Uint32Array(count);
    const right = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const index = first + i;
      right[i] = index % HALF;
      left[i] = (index - right[i]!) / HALF;
    }
    const blocks = new Uint8Array(count * 16);
    for (let round = 0; round < ROUNDS; round++) {
      const values = this.roundValues(round, right, blocks);
      for (let i = 0; i < count; i++) {
        const next = (left[i]! ^ values[i]!) >>> 0;
        left[i] = right[i]!;
        right[i] = next;
      }
    }
    for (let i = 0; i < count; i++) writeBlock(blocks, i * 16, 0, left[i]!, right[i]!);
    const macs = this.mac.update(blocks);
    const ascii = Buffer.allocUnsafe(count * CODE_BODY_LENGTH);
    for (let i = 0; i < count; i++) {
      const at = i * CODE_BODY_LENGTH;
      writeDigits(ascii, at, left[i]! * HALF + right[i]!, T_CHARS);
      writeDigits(ascii, at + T_CHARS, macOf(macs, i * 16), MAC_CHARS);
    }
    return ascii;
  }

  body(index: number): string {
    return this.bodies(index, 1)[0]!;
  }

  /** The index a body stands for, or undefined when it is not one of this secret's. */
  index(body: string): number | undefined {
    if (body.length !== CODE_BODY_LENGTH) return undefined;
    for (let i = 0; i < CODE_BODY_LENGTH; i++) {
      if ((DIGIT[body.charCodeAt(i)] ?? -1) < 0) return undefined;
    }
    const t = readDigits(body, 0, T_CHARS);
    if (t >= INDEX_SPACE) return undefined;
    let left = Math.floor(t / HALF);
    let right = t % HALF;
    const block = new Uint8Array(16);
    writeBlock(block, 0, 0, left, right);
    if (macOf(this.mac.update(block), 0) !== readDigits(body, T_CHARS, MAC_CHARS)) return undefined;
    const table = this.table();
    const half = new Uint32Array(1);
    for (let round = ROUNDS - 1; round >= 0; round--) {
      half[0] = left;
      const value = table ? table[round * HALF + left]! : this.roundValues(round, half, block)[0]!;
      const previous = (right ^ value) >>> 0;
      right = left;
      left = previous;
    }
    return left * HALF + right;
  }

  /** The round function of `round` at each of `halves`, in one AES call (`blocks`: scratch). */
  private roundValues(round: number, halves: Uint32Array, blocks: Uint8Array): Uint32Array {
    const values = new Uint32Array(halves.length);
    for (let i = 0; i < halves.length; i++) writeBlock(blocks, i * 16, round, 0, halves[i]!);
    const out = this.permutation.update(blocks.subarray(0, halves.length * 16));
    for (let i = 0; i < halves.length; i++)
      values[i] = out.readUInt32BE(i * 16) >>> (32 - HALF_BITS);
    return values;
  }

  /**
   * A hot coupon's round function as a table of every value (ROUNDS x 2^17, 4 MiB), made on its
   * TABLE_AFTER_CHECKS-th check in one AES call per round: a check then costs one AES call (the
   * MAC) instead of nine. At most MAX_TABLES are kept, the oldest made way for. (Bulk derivation
   * keeps to AES: one call per round for a whole chunk is as fast.)
   */
  private table(): Uint32Array | undefined {
    const table = tables.get(this);
    if (table || ++this.checks < TABLE_AFTER_CHECKS) return table;
    const all = new Uint32Array(HALF);
    for (let x = 0; x < HALF; x++) all[x] = x;
    const made = new Uint32Array(ROUNDS * HALF);
    const blocks = new Uint8Array(HALF * 16);
    for (let round = 0; round < ROUNDS; round++) {
      made.set(this.roundValues(round, all, blocks), round * HALF);
    }
    if (tables.size >= MAX_TABLES) tables.delete(tables.keys().next().value!);
    tables.set(this, made);
    this.checks = 0;
    return made;
  }
}

const TABLE_AFTER_CHECKS = 1000;
const MAX_TABLES = 8;
const tables = new Map<CodeCipher, Uint32Array>();

/** 52 bits of the MAC block, reduced to the 9 characters' range. */
function macOf(out: Buffer, at: number): number {
  return ((out.readUInt32BE(at) >>> 12) * 2 ** 32 + out.readUInt32BE(at + 4)) % MAC_SPACE;
}

const ciphers = new Map<string, CodeCipher>();
const MAX_CIPHERS = 10_000;

/** The cipher of a secret, kept for the next code of the same coupon. */
export function codeCipher(secret: string): CodeCipher {
  let cipher = ciphers.get(secret);
  if (!cipher) {
    if (ciphers.size >= MAX_CIPHERS) ciphers.delete(ciphers.keys().next().value!);
    cipher = new CodeCipher(secret);
    ciphers.set(secret, cipher);
  }
  return cipher;
}

/** Places a normalised code among a coupon's codes: undefined when it is not one of them. */
export function placeCode(
  coupon: string,
  codes: UniqueCodes | undefined,
  code: string,
): PlacedCode | undefined {
  const split = splitUniqueCode(code);
  if (!codes || split?.coupon !== coupon) return undefined;
  const index = codeCipher(codes.secret).index(split.body);
  if (index === undefined) return undefined;
  const batch = batchOf(codes.batches, index);
  return batch && { code, index, batch };
}
