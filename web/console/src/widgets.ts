// Pieces both pages show: a coupon's status, its global use as a bar, its per-user limits.

import { h, limitText } from './dom.js';
import type { CouponStatus, GlobalUse, RepeatCounts } from './types.js';

export const statusBadge = (status: CouponStatus) =>
  h('span', { class: `badge badge-${status}` }, status);

/** Used and held of globalTotal as a bar, with the numbers in words beside it. */
export function globalUse(code: string, limit: number | null, use: GlobalUse): HTMLElement {
  const words =
    limit === null
      ? `${use.globalUsed} used, ${use.globalHeld} held, unlimited`
      : `${use.globalUsed} used, ${use.globalHeld} held, ${use.globalRemaining} remaining of ${limit}`;
  return h(
    'div',
    { class: 'use' },
    limit === null
      ? null
      : h('progress', {
          max: Math.max(limit, 1),
          value: Math.min(use.globalUsed + use.globalHeld, limit),
          'aria-label': `Global use of ${code}`,
          'aria-valuetext': words,
        }),
    h('span', { class: 'use-text' }, words),
  );
}

export const userLimits = (counts: RepeatCounts) =>
  h(
    'span',
    { class: 'limits' },
    `per user: ${limitText(counts.userTotal)} in all, ${limitText(counts.userDaily)} a day, ` +
      `${limitText(counts.userWeekly)} a week`,
  );
