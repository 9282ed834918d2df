import { randomBytes } from 'node:crypto';
import { normalizeCouponCode } from './coupon.js';
import {
  batchOf,
  CODE_ALPHABET,
  CodeCipher,
  codeRefusal,
  INDEX_SPACE,
  MAX_BATCHES,
  nextBatch,
  placeCode,
  splitUniqueCode,
  usedPerBatch,
  type CodeBatch,
  type UniqueCodes,
} from './unique-codes.js';

const secret = () => randomBytes(32).toString('hex');

function codesWith(...counts: number[]): UniqueCodes {
  const batches: CodeBatch[] = [];
  for (const count of counts) {
    const batch = nextBatch(batches, { count, usesPerCode: 1 }, 0);
    if (typeof batch === 'string') throw new Error(batch);
    batches.push(batch);
  }
  return { secret: secret(), batches };
}

describe('unique codes', () => {
  it('round-trips indexes from all over the index space, one at a time and in bulk', () => {
    const cipher = new CodeCipher(secret());
    const indexes = [0, 1, 2, 131_071, 131_072, 9_999_999, INDEX_SPACE - 1];
    for (let i = 0; i < 2000; i++) indexes.push(Math.floor(Math.random() * INDEX_SPACE));
    for (const index of indexes) {
      const body = cipher.body(index);
      expect(body).toMatch(/^[2-9A-HJKMNP-Z]{16}$/);
      expect(cipher.index(body)).toBe(index);
    }
    const bulk = cipher.bodies(5_000_000, 3000);
    bulk.forEach((body, i) => expect(cipher.index(body)).toBe(5_000_000 + i));
    expect(bulk[17]).toBe(cipher.body(5_000_017));
  });

  it('derives and checks the same once a hot coupon’s round table is made', () => {
    const key = secret();
    const cipher = new CodeCipher(key);
    const bodies = cipher.bodies(123_456, 50);
    const forged = `${bodies[0]!.slice(0, 15)}${bodies[0]!.endsWith('2') ? '3' : '2'}`;
    for (let i = 0; i < 1000; i++) expect(cipher.index(bodies[i % 50]!)).toBe(123_456 + (i % 50));
    expect(cipher.bodies(123_456, 50)).toEqual(bodies);
    expect(cipher.body(10_000_000)).toBe(new CodeCipher(key).body(10_000_000));
    bodies.forEach((body, i) => expect(cipher.index(body)).toBe(123_456 + i));
    expect(cipher.index(forged)).toBeUndefined();
  });

  it('gives 1,000,000 distinct codes over two batches, none valid under another secret', () => {
    const codes = codesWith(600_000, 400_000);
    const cipher = new CodeCipher(codes.secret);
    const seen = new Set<string>();
    for (const batch of codes.batches) {
      for (let from = 0; from < batch.count; from += 50_000) {
        for (const body of cipher.bodies(batch.first + from, 50_000)) seen.add(body);
      }
    }
    expect(seen.size).toBe(1_000_000);
    const other = new CodeCipher(secret());
    const sample = [...seen].slice(0, 10_000);
    expect(sample.filter((body) => other.index(body) !== undefined)).toEqual([]);
  });

  it('refuses every body with one character changed, and bodies that are not of the alphabet', () => {
    const cipher = new CodeCipher(secret());
    for (let n = 0; n < 40; n++) {
      const body = cipher.body(Math.floor(Math.random() * 10_000_000));
      for (let at = 0; at < body.length; at++) {
        for (const letter of CODE_ALPHABET) {
          if (letter === body[at]) continue;
          const changed = body.slice(0, at) + letter + body.slice(at + 1);
          expect(cipher.index(changed)).toBeUndefined();
        }
      }
    }
    const body = cipher.body(7);
    expect(cipher.index(body.replace(/^./, '0'))).toBeUndefined();
    expect(cipher.index(body.slice(1))).toBeUndefined();
    expect(cipher.index(body + '2')).toBeUndefined();
  });

  it('places codes of its batches in any letter case, and nothing else', () => {
    const codes = codesWith(10, 20);
    const cipher = new CodeCipher(codes.secret);
    const code = `SUMMER-${cipher.body(25)}`;
    const placed = placeCode('SUMMER', codes, normalizeCouponCode(code.toLowerCase()));
    expect(placed).toMatchObject({ code, index: 25, batch: { batch: 2, first: 10 } });
    // Valid under the secret but beyond every batch.
    expect(placeCode('SUMMER', codes, `SUMMER-${cipher.body(30)}`)).toBeUndefined();
    expect(placeCode('WINTER', codesWith(30), `WINTER-${cipher.body(25)}`)).toBeUndefined();
    expect(placeCode('SUMMER', undefined, code)).toBeUndefined();
    expect(splitUniqueCode('SUMMER-SALE')).toBeUndefined();
    expect(splitUniqueCode(`MY-SUMMER-${cipher.body(3)}`)).toEqual({
      coupon: 'MY-SUMMER',
      body: cipher.body(3),
    });
  });

  it('adds batches as consecutive ranges, up to the limits', () => {
    const codes = codesWith(5, 7, 1);
    expect(codes.batches.map(({ batch, first }) => [batch, first])).toEqual([
      [1, 0],
      [2, 5],
      [3, 12],
    ]);
    expect(batchOf(codes.batches, 11)?.batch).toBe(2);
    expect(batchOf(codes.batches, 13)).toBeUndefined();
    const full = Array.from({ length: MAX_BATCHES }, (_, i) => ({
      ...codes.batches[0]!,
      batch: i,
    }));
    expect(nextBatch(full, { count: 1, usesPerCode: 1 }, 0)).toBe('too-many-batches');
    const big = [{ ...codes.batches[0]!, count: INDEX_SPACE - 1 }];
    expect(nextBatch(big, { count: 2, usesPerCode: 1 }, 0)).toBe('index-space-full');
  });

  it.each([
    [{ used: 0, revoked: false }, 1, null],
    [{ used: 1, revoked: false }, 1, 'CODE_LIMIT_REACHED'],
    [{ used: 5, revoked: false }, null, null],
    [{ used: 0, revoked: true }, 1, 'CODE_REVOKED'],
    [{ used: 1, revoked: true }, 1, 'CODE_REVOKED'],
  ] as const)('a code at %j with limit %s refuses with %s', (state, limit, reason) => {
    expect(codeRefusal(state, limit)).toBe(reason);
  });

  // Batches of 5, 7 and 1 codes: indexes 0-4, 5-11 and 12. Uses are (index, uses) of used codes.
  it.each<[string, [number, number][], number[]]>([
    ['no code used', [], [0, 0, 0]],
    [
      'a code counts once, however often used',
      [
        [0, 1],
        [1, 3],
      ],
      [2, 0, 0],
    ],
    [
      'first and last codes of each batch',
      [
        [0, 1],
        [4, 1],
        [5, 1],
        [11, 2],
        [12, 1],
      ],
      [2, 2, 1],
    ],
    // A rollback takes a code back to 0 (a store may keep the entry): unused again.
    [
      'a code rolled back to 0 does not count',
      [
        [6, 0],
        [7, 1],
      ],
      [0, 1, 0],
    ],
    ['nor does a count below 0', [[8, -1]], [0, 0, 0]],
    [
      'indexes in no batch count nowhere',
      [
        [13, 1],
        [INDEX_SPACE - 1, 4],
      ],
      [0, 0, 0],
    ],
  ])('counts used codes per batch: %s', (_name, uses, used) => {
    expect(usedPerBatch(codesWith(5, 7, 1).batches, uses)).toEqual(used);
  });

  it('counts used codes per batch in the order the batches are given, with no batches at all', () => {
    expect(usedPerBatch([], [[0, 1]])).toEqual([]);
    // A revoked code's revocation is not a use: only its uses, if any, reach this count.
    expect(usedPerBatch(codesWith(2, 2).batches, new Map([[3, 1]]))).toEqual([0, 1]);
  });
});
