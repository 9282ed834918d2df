import type { Limit } from './coupon.js';

/** One user's uses counted in a day or week. */
export interface UserUses {
  userId: string;
  used: number;
}

/** Who used a coupon most in one day or ISO week, and how many users are at its limit there. */
export interface WindowReport {
  period: string;
  /** The coupon's userDaily or userWeekly limit; null = unlimited. */
  limit: Limit;
  /** Users whose uses counted plus held in the period reach `limit` (0 when it is null). */
  atLimit: number;
  /** Most uses first, ties by userId; users with uses counted only. */
  users: UserUses[];
}

const busier = (a: UserUses, b: UserUses) =>
  a.used > b.used || (a.used === b.used && a.userId < b.userId);

/**
 * The report of one window from its per-user counts: `used` the uses counted in `period`, `held`
 * the uses that live holds reserved in it hold. Keeps only the `top` busiest while reading, so a
 * day with a million users costs one pass, not a sort of them all.
 */
export function windowReport(
  period: string,
  used: ReadonlyMap<string, number>,
  held: ReadonlyMap<string, number>,
  limit: Limit,
  top: number,
): WindowReport {
  const reaches = (uses: number) => limit !== null && uses > 0 && uses >= limit;
  let atLimit = 0;
  const users: UserUses[] = [];
  for (const [userId, count] of used) {
    if (reaches(count + (held.get(userId) ?? 0))) atLimit++;
    const entry = { userId, used: count };
    if (count <= 0 || (users.length === top && !busier(entry, users[top - 1]!))) continue;
    if (users.length === top) users.pop();
    let i = users.length;
    users.push(entry);
    for (; i > 0 && busier(entry, users[i - 1]!); i--) users[i] = users[i - 1]!;
    users[i] = entry;
  }
  // Users who only hold uses in the period can reach the limit too.
  for (const [userId, count] of held) if (!used.has(userId) && reaches(count)) atLimit++;
  return { period, limit, atLimit, users };
}
