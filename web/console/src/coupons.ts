// The coupons page: search, paging, each coupon's status, use and today's redemptions; for the
// admin, the form that creates a coupon.

import { api, couponPath, withQuery } from './api.js';
import { fill, h, table, time } from './dom.js';
import { field, number, showErrors, text, writeForm, clearErrors } from './forms.js';
import { announce, type Page as View } from './shell.js';
import {
  acceptedOf,
  type Coupon,
  type CouponListItem,
  type Page,
  type Role,
  type Stats,
} from './types.js';
import { globalUse, statusBadge, userLimits } from './widgets.js';

export const PAGE_SIZE = 20;

export interface ListQuery {
  q: string;
  offset: number;
}

export const listHash = ({ q, offset }: ListQuery) =>
  `#/coupons${withQuery('', { q, offset: offset || undefined })}`;

export function couponsPage(main: HTMLElement, role: Role, query: ListQuery): View {
  const results = h('div', { id: 'coupon-results' });
  const search = h(
    'form',
    { role: 'search', class: 'search', novalidate: true, id: 'search', 'aria-label': 'Coupons' },
    field('search', {
      name: 'q',
      label: 'Search codes',
      value: query.q,
      hint: 'The start of a code, in any letter case',
    }),
    h('div', { id: 'search-alert', class: 'form-error', role: 'alert' }),
    h('button', { type: 'submit' }, 'Search'),
  );
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = listHash({ q: text(search, 'q') ?? '', offset: 0 });
  });

  fill(
    main,
    h('h1', {}, 'Coupons'),
    search,
    h(
      'section',
      { 'aria-labelledby': 'list-title' },
      h('h2', { id: 'list-title' }, 'List'),
      results,
    ),
    role === 'admin' ? createSection() : null,
  );

  async function refresh() {
    clearErrors(search);
    let page: Page<CouponListItem>;
    try {
      page = await api<Page<CouponListItem>>(
        'GET',
        withQuery('/coupons', { q: query.q, offset: query.offset, limit: PAGE_SIZE }),
      );
    } catch (error) {
      fill(results);
      showErrors(search, error);
      return;
    }
    const today = new Map<string, HTMLElement>();
    const rows = page.items.map((coupon) => {
      const cell = h('span', { class: 'today' }, '…');
      today.set(coupon.code, cell);
      return [
        h('a', { href: `#/coupon/${encodeURIComponent(coupon.code)}` }, coupon.code),
        statusBadge(coupon.status),
        `${coupon.discountPercentage} %`,
        coupon.startsAt === null
          ? h('span', {}, 'until ', time(coupon.expiresAt))
          : h('span', {}, time(coupon.startsAt), ' until ', time(coupon.expiresAt)),
        globalUse(coupon.code, coupon.repeatCounts.globalTotal, coupon),
        userLimits(coupon.repeatCounts),
        cell,
      ];
    });
    const first = page.total === 0 ? 0 : query.offset + 1;
    const last = query.offset + page.items.length;
    fill(
      results,
      h('p', { id: 'list-count' }, `${first}–${last} of ${page.total} coupons`),
      table(
        query.q ? `Coupons whose code starts with ${query.q}` : 'All coupons',
        ['Code', 'Status', 'Discount', 'Valid', 'Global use', 'Per-user limits', 'Accepted today'],
        rows,
        'No coupons',
      ),
      pager(query, page.total),
    );
    // Today in the coupon time zone is the last day of the default 30 days.
    await Promise.all(
      page.items.map(async ({ code }) => {
        try {
          const stats = await api<Stats>('GET', `${couponPath(code)}/stats`);
          today.get(code)!.textContent = String(acceptedOf(stats.days.at(-1)!));
        } catch {
          today.get(code)!.textContent = '—';
        }
      }),
    );
  }

  return { refresh };
}

function pager(query: ListQuery, total: number): HTMLElement {
  const previous = Math.max(0, query.offset - PAGE_SIZE);
  const next = query.offset + PAGE_SIZE;
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages of coupons' },
    query.offset > 0
      ? h('a', { href: listHash({ ...query, offset: previous }) }, 'Previous')
      : null,
    next < total ? h('a', { href: listHash({ ...query, offset: next }) }, 'Next') : null,
  );
}

function createSection(): HTMLElement {
  const id = 'create';
  const form = writeForm(
    id,
    'New coupon',
    'Create coupon',
    [
      field(id, { name: 'code', label: 'Code', hint: '3-64 letters, digits, _ and -' }),
      field(id, {
        name: 'discountPercentage',
        label: 'Discount (%)',
        type: 'number',
        min: 0,
        max: 100,
        step: 'any',
      }),
      field(id, {
        name: 'startsAt',
        label: 'Starts',
        hint: 'YYYY-MM-DD or an ISO date-time; empty: from now on',
      }),
      field(id, { name: 'expiresAt', label: 'Expires', hint: 'YYYY-MM-DD or an ISO date-time' }),
      field(id, { name: 'description', label: 'Description' }),
      field(id, { name: 'active', label: 'Active', type: 'checkbox', checked: true }),
    ],
    async (form) => {
      const coupon = await api<Coupon>('POST', '/coupons', {
        code: text(form, 'code') ?? '',
        discountPercentage: number(form, 'discountPercentage'),
        startsAt: text(form, 'startsAt'),
        expiresAt: text(form, 'expiresAt'),
        description: text(form, 'description'),
        active: (form.elements.namedItem('active') as HTMLInputElement).checked,
      });
      announce(`Coupon ${coupon.code} created`);
      location.hash = `#/coupon/${encodeURIComponent(coupon.code)}`;
    },
  );
  return h(
    'section',
    { 'aria-labelledby': 'create-section' },
    h('h2', { id: 'create-section' }, 'Create'),
    form,
  );
}
