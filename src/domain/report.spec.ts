import { windowReport } from './report.js';

const map = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('windowReport', () => {
  it('lists the busiest users first, ties by userId, at most `top`', () => {
    const used = map({ carol: 1, bob: 3, alice: 3, dave: 2, erin: 0 });
    expect(windowReport('2026-12-02', used, new Map(), null, 3).users).toEqual([
      { userId: 'alice', used: 3 },
      { userId: 'bob', used: 3 },
      { userId: 'dave', used: 2 },
    ]);
    expect(
      windowReport('2026-12-02', used, new Map(), null, 10).users.map((u) => u.userId),
    ).toEqual(['alice', 'bob', 'dave', 'carol']);
  });

  it('keeps the same top whatever order the counts come in', () => {
    const entries = Array.from({ length: 50 }, (_, i) => [`u${i}`, (i * 7) % 11] as const);
    const forwards = windowReport('d', new Map(entries), new Map(), null, 5);
    const backwards = windowReport('d', new Map([...entries].reverse()), new Map(), null, 5);
    expect(forwards.users).toEqual(backwards.users);
    expect(forwards.users.map((u) => u.used)).toEqual([10, 10, 10, 10, 10]);
  });

  const cases: [string, Record<string, number>, Record<string, number>, number | null, number][] = [
    ['no limit: nobody is at it', { a: 5 }, { a: 1 }, null, 0],
    ['uses counted reach it', { a: 2, b: 1 }, {}, 2, 1],
    ['uses counted plus held reach it', { a: 1, b: 1 }, { a: 1 }, 2, 1],
    ['uses held alone reach it', {}, { a: 2, b: 1 }, 2, 1],
    ['over the limit (lowered since) counts', { a: 5 }, {}, 2, 1],
    ['a limit of 0: only users with uses or holds', { a: 1 }, { b: 1 }, 0, 2],
  ];
  it.each(cases)('atLimit: %s', (_name, used, held, limit, atLimit) => {
    const report = windowReport('2026-W49', map(used), map(held), limit, 10);
    expect(report).toMatchObject({ period: '2026-W49', limit, atLimit });
  });
});
