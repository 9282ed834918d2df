// A coupon's page: details, 30 days of redemptions (chart and table), refusals by reason, busiest
// users, code batches, live holds and the newest log entries; for the admin, its write forms.

import type UPlot from 'uplot';
import { api, ApiError, couponPath, withQuery } from './api.js';
import { chartTable, drawChart } from './chart.js';
import { fill, h, limitText, table, time, type Child } from './dom.js';
import { count, edited, field, number, showStored, text, writeForm } from './forms.js';
import { announce, type Page } from './shell.js';
import {
  LOG_STATUSES,
  type BusiestPeriod,
  type BusiestUsers,
  type CodeBatch,
  type Coupon,
  type Hold,
  type LogEntry,
  type LogPage,
  type RepeatCountsView,
  type Role,
  type Stats,
} from './types.js';
import { globalUse, statusBadge, userLimits } from './widgets.js';

const LOG_SIZE = 20;

/** A titled section whose body the refresh fills. */
function section(id: string, title: string, ...extra: Child[]) {
  const body = h('div', { id: `${id}-body`, class: 'section-body' }, 'Loading…');
  const element = h(
    'section',
    { id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title),
    ...extra,
    body,
  );
  return { element, body };
}

/** Fills a section from one API read; a failed read shows its message there and nowhere else. */
async function load<T>(body: HTMLElement, read: Promise<T>, render: (value: T) => Child | Child[]) {
  try {
    const value = await read;
    fill(body, render(value));
  } catch (error) {
    const message = error instanceof ApiError ? error.messages.join(' ') : String(error);
    fill(body, h('p', { class: 'load-error' }, `Could not load: ${message}`));
  }
}

export function couponPage(main: HTMLElement, role: Role, code: string): Page {
  const path = couponPath(code);
  const admin = role === 'admin';
  const details = section('details', 'Details');
  const limits = section('limits', 'Repeat counts');
  const chartBox = h('div', { class: 'chart' });
  const daily = section('daily', 'Redemptions, last 30 days');
  const reasons = section('reasons', 'Refusals by reason, last 30 days');
  const busiest = section('busiest', 'Busiest users');
  const batches = section('batches', 'Unique-code batches');
  const holds = section('holds', 'Live holds');
  const logFilter = logFilterForm(() => void refreshLog());
  const log = section('log', 'Newest log entries', logFilter);
  let chart: UPlot | undefined;
  let writes: AdminForms | undefined;

  // The code as stored once it is read (the address may name it in any letter case).
  const storedCode = h('span', { class: 'code' }, code);
  fill(
    main,
    h('h1', {}, 'Coupon ', storedCode),
    h('p', {}, h('a', { href: '#/coupons' }, 'All coupons')),
    details.element,
    limits.element,
    daily.element,
    reasons.element,
    busiest.element,
    batches.element,
    holds.element,
    log.element,
  );

  async function refreshLog() {
    const filter = new FormData(logFilter);
    const status = String(filter.get('status') ?? '');
    const userId = String(filter.get('userId') ?? '').trim();
    const page = (query: Record<string, string | number>) =>
      api<LogPage>('GET', withQuery(`${path}/redemptions`, { userId, ...query }));
    // A page filtered by status hides the rollbacks of its orders: they are read apart.
    const rollbacks =
      admin && status !== '' && status !== 'rolled-back'
        ? page({ status: 'rolled-back', limit: 100 }).then(({ items }) => items)
        : Promise.resolve([]);
    await load(
      log.body,
      Promise.all([page({ status, limit: LOG_SIZE }), rollbacks]),
      ([{ items }, rolledBack]) => logTable(items, admin ? { rollBack, rolledBack } : undefined),
    );
  }

  async function rollBack(entry: LogEntry) {
    try {
      const outcome = await api<{ status: string }>('POST', '/redemptions/rollback', {
        couponCode: code,
        userId: entry.userId,
        orderId: entry.orderId,
      });
      announce(rollbackMessage(entry.userId, entry.orderId!, outcome.status));
    } catch (error) {
      const message = error instanceof ApiError ? error.messages.join(' ') : String(error);
      announce(`Roll back of order ${entry.orderId} failed: ${message}`);
    }
    await refresh();
  }

  async function refresh() {
    const coupon = api<Coupon>('GET', path);
    const counts = api<RepeatCountsView>('GET', `${path}/repeat-counts`);
    const stats = api<Stats>('GET', `${path}/stats`);
    await Promise.all([
      load(details.body, coupon, (value) => {
        if (admin && !writes) {
          // Outside the parts a refresh replaces: what the admin types, and the focus, stay.
          writes = adminForms(value, refresh);
          details.element.append(writes.toggle, writes.edit);
          limits.element.append(writes.repeatCounts);
          log.element.after(writes.rollback);
        }
        writes?.update(value);
        storedCode.textContent = value.code;
        return couponDetails(value);
      }),
      load(limits.body, counts, (use) => [
        globalUse(code, use.globalTotal, use),
        h('p', {}, userLimits(use)),
      ]),
      load(daily.body, stats, (value) => {
        const box = h(
          'div',
          { class: 'daily' },
          chartBox,
          h('div', { class: 'scroll' }, chartTable(value)),
        );
        // Drawn once the box is in the page, so the chart takes the box's width.
        queueMicrotask(() => (chart = drawChart(chartBox, value, chart)));
        return [
          h(
            'p',
            { class: 'hint' },
            'Accepted counts confirmed holds too. The table beside the chart has the same numbers.',
          ),
          box,
        ];
      }),
      load(reasons.body, stats, (value) => reasonsTable(value)),
      load(busiest.body, api<BusiestUsers>('GET', `${path}/busiest-users?limit=10`), (value) => [
        busiestTable('Today', 'daily', value.day),
        busiestTable('This week', 'weekly', value.week),
      ]),
      load(batches.body, api<{ items: CodeBatch[] }>('GET', `${path}/code-batches`), (value) =>
        batchTable(value.items),
      ),
      load(
        holds.body,
        api<{ total: number; items: Hold[] }>('GET', `${path}/holds?limit=20`),
        (value) => holdsTable(value.total, value.items),
      ),
      refreshLog(),
    ]);
  }

  return { refresh };
}

function couponDetails(coupon: Coupon): HTMLElement {
  const row = (term: string, value: Child) => [h('dt', {}, term), h('dd', {}, value)];
  return h(
    'dl',
    { class: 'details' },
    row('Status', statusBadge(coupon.status)),
    row('Discount', `${coupon.discountPercentage} %`),
    row('Starts', time(coupon.startsAt)),
    row('Expires', time(coupon.expiresAt)),
    row('Active', coupon.active ? 'yes' : 'no'),
    row('Description', coupon.description ?? '—'),
    row('Updated', time(coupon.updatedAt)),
  );
}

function reasonsTable(stats: Stats): HTMLElement {
  const rows = Object.entries(stats.totals.reasons).sort(
    ([a, x], [b, y]) => y - x || a.localeCompare(b),
  );
  return table(
    'Refusals by reason',
    ['Reason', 'Refusals'],
    rows.map(([reason, n]) => [reason, n]),
    'None',
  );
}

function busiestTable(title: string, kind: 'daily' | 'weekly', period: BusiestPeriod): HTMLElement {
  const atLimit =
    period.limit === null
      ? `No ${kind} limit per user.`
      : `${period.atLimit} ${period.atLimit === 1 ? 'user is' : 'users are'} at the ${kind} limit of ${period.limit}.`;
  return h(
    'div',
    { class: 'busiest' },
    h('h3', {}, `${title} (${period.period})`),
    h('p', {}, atLimit),
    table(
      `Busiest users, ${title.toLowerCase()}`,
      ['User', 'Uses'],
      period.users.map(({ userId, used }) => [userId, used]),
      'No uses',
      { captionHidden: true },
    ),
  );
}

function batchTable(batches: CodeBatch[]): HTMLElement {
  return table(
    'Code batches',
    ['Batch', 'Codes used', 'Uses per code', 'Created'],
    batches.map((batch) => [
      batch.batch,
      batchUse(batch),
      limitText(batch.usesPerCode),
      time(batch.createdAt),
    ]),
    'No batches',
  );
}

/** Codes used of those issued as a bar, with the numbers in words beside it (as globalUse). */
function batchUse(batch: CodeBatch): HTMLElement {
  const words = `${batch.used} used of ${batch.count} issued`;
  return h(
    'div',
    { class: 'use' },
    h('progress', {
      max: batch.count,
      value: batch.used,
      'aria-label': `Codes used of batch ${batch.batch}`,
      'aria-valuetext': words,
    }),
    h('span', { class: 'use-text' }, words),
  );
}

function holdsTable(total: number, items: Hold[]): Child[] {
  return [
    h(
      'p',
      {},
      `${total} live ${total === 1 ? 'hold' : 'holds'}${total > items.length ? `, the ${items.length} expiring soonest:` : ''}`,
    ),
    table(
      'Live holds',
      ['Order', 'User', 'Unique code', 'Reserved', 'Expires'],
      items.map((hold) => [
        hold.orderId,
        hold.userId,
        hold.uniqueCode ?? '—',
        time(hold.reservedAt),
        time(hold.expiresAt),
      ]),
      'None',
    ),
  ];
}

const ROLLS_BACK = new Set(['accepted', 'confirmed']);

/** What a rollback's answer means: 200 rolled-back or already-rolled-back, 202 pending. */
function rollbackMessage(userId: string, orderId: string, status: string): string {
  const order = `Order ${orderId} of ${userId}`;
  if (status === 'rolled-back') return `${order} rolled back`;
  if (status === 'already-rolled-back') return `${order} was already rolled back`;
  return `${order}: the rollback is queued and not decided yet; refresh to see it`;
}

/** Log ids grow with time: `<n>` (memory store) or `<ms>-<seq>` (Redis stream). */
const idParts = (id: string) => id.split('-').map((part) => BigInt(part));
const isLater = (a: string, b: string) => {
  const [x = 0n, y = 0n] = idParts(a);
  const [u = 0n, v = 0n] = idParts(b);
  return x > u || (x === u && y > v);
};

function logTable(
  entries: LogEntry[],
  writes?: { rollBack: (entry: LogEntry) => Promise<void>; rolledBack: LogEntry[] },
): HTMLElement {
  const headers = ['Time', 'User', 'Order', 'Status', 'Reason or code'];
  const rollBack = writes?.rollBack;
  // An accepted entry older than a rollback of its order has nothing left to give back.
  const orderKey = (entry: LogEntry) => JSON.stringify([entry.userId, entry.orderId]);
  const newestRollback = new Map<string, string>();
  for (const entry of [...entries, ...(writes?.rolledBack ?? [])]) {
    if (entry.status !== 'rolled-back') continue;
    const seen = newestRollback.get(orderKey(entry));
    if (seen === undefined || isLater(entry.id, seen))
      newestRollback.set(orderKey(entry), entry.id);
  }
  const rolledBackSince = (entry: LogEntry) => {
    const rollback = newestRollback.get(orderKey(entry));
    return rollback !== undefined && isLater(rollback, entry.id);
  };
  return table(
    'Redemption log, newest first',
    rollBack ? [...headers, 'Action'] : headers,
    entries.map((entry) => {
      const cells: Child[] = [
        time(entry.at),
        entry.userId,
        entry.orderId ?? '—',
        h('span', { class: `log-status log-${entry.status}` }, entry.status),
        entry.reason ?? entry.uniqueCode ?? '',
      ];
      if (!rollBack) return cells;
      const canRollBack =
        ROLLS_BACK.has(entry.status) && entry.orderId !== undefined && !rolledBackSince(entry);
      return [
        ...cells,
        canRollBack
          ? h(
              'button',
              {
                type: 'button',
                class: 'small',
                onclick: (event: Event) => {
                  (event.currentTarget as HTMLButtonElement).disabled = true;
                  void rollBack(entry);
                },
              },
              `Roll back order ${entry.orderId}`,
            )
          : '',
      ];
    }),
    'No entries',
  );
}

function logFilterForm(onChange: () => void): HTMLFormElement {
  const form = h(
    'form',
    { id: 'log-filter', class: 'filters', 'aria-label': 'Filter the log', novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'log-status' }, 'Status'),
      h(
        'select',
        { id: 'log-status', name: 'status' },
        h('option', { value: '' }, 'Any status'),
        LOG_STATUSES.map((status) => h('option', { value: status }, status)),
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'log-user' }, 'User'),
      h('input', { id: 'log-user', name: 'userId', type: 'text', autocomplete: 'off' }),
    ),
    h('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onChange();
  });
  form.querySelector('select')!.addEventListener('change', onChange);
  return form;
}

interface AdminForms {
  toggle: HTMLButtonElement;
  edit: HTMLFormElement;
  repeatCounts: HTMLFormElement;
  rollback: HTMLElement;
  /** Shows the coupon as it is now in the toggle (the forms keep what the admin typed). */
  update(coupon: Coupon): void;
}

/** The admin's write controls; built once per visit, so a refresh never wipes what is typed. */
function adminForms(coupon: Coupon, refresh: () => Promise<void>): AdminForms {
  const path = couponPath(coupon.code);
  let current = coupon;
  const toggle = h('button', { type: 'button', id: 'toggle-active' });
  toggle.addEventListener('click', () => {
    toggle.disabled = true;
    api<Coupon>('PATCH', path, { active: !current.active })
      .then((updated) =>
        announce(`Coupon ${updated.code} ${updated.active ? 'activated' : 'deactivated'}`),
      )
      .catch((error: unknown) =>
        announce(
          `Could not change: ${error instanceof ApiError ? error.messages.join(' ') : String(error)}`,
        ),
      )
      .finally(() => {
        toggle.disabled = false;
        void refresh();
      });
  });

  const edit = writeForm(
    'edit',
    'Edit coupon',
    'Save changes',
    [
      field('edit', {
        name: 'discountPercentage',
        label: 'Discount (%)',
        type: 'number',
        value: String(coupon.discountPercentage),
        step: 'any',
      }),
      field('edit', {
        name: 'startsAt',
        label: 'Starts',
        value: coupon.startsAt ?? '',
        hint: 'Empty: from now on',
      }),
      field('edit', { name: 'expiresAt', label: 'Expires', value: coupon.expiresAt }),
      field('edit', { name: 'description', label: 'Description', value: coupon.description ?? '' }),
    ],
    async (form) => {
      // Only the fields the admin changed are sent: another admin's change to the others stands.
      // An emptied field is sent as null: the API clears it, or says why it cannot.
      const changes: Record<string, unknown> = {};
      if (edited(form, 'discountPercentage')) {
        changes.discountPercentage = number(form, 'discountPercentage') ?? null;
      }
      for (const name of ['startsAt', 'expiresAt', 'description']) {
        if (edited(form, name)) changes[name] = text(form, name) ?? null;
      }
      if (Object.keys(changes).length === 0) {
        announce('Nothing to save: no field was changed');
        return;
      }
      const updated = await api<Coupon>('PATCH', path, changes);
      showStored(form, editValues(updated), true);
      current = updated;
      announce(`Coupon ${updated.code} saved`);
      await refresh();
    },
  );

  const counts = coupon.repeatCounts;
  const countField = (name: keyof typeof counts, label: string) =>
    field('counts', {
      name,
      label,
      type: 'number',
      min: 0,
      step: '1',
      value: counts[name] === null ? '' : String(counts[name]),
      hint: 'Empty: unlimited',
    });
  const repeatCounts = writeForm(
    'counts',
    'Change repeat counts',
    'Save repeat counts',
    [
      countField('globalTotal', 'All users together'),
      countField('userTotal', 'One user in all'),
      countField('userDaily', 'One user a day'),
      countField('userWeekly', 'One user a week'),
    ],
    async (form) => {
      // As in the edit form: only the counts the admin changed (PUT keeps the others).
      const changes = Object.fromEntries(
        COUNT_NAMES.filter((name) => edited(form, name)).map((name) => [name, count(form, name)]),
      );
      if (Object.keys(changes).length === 0) {
        announce('Nothing to save: no count was changed');
        return;
      }
      const saved = await api<Coupon['repeatCounts']>('PUT', `${path}/repeat-counts`, changes);
      showStored(form, countValues(saved), true);
      announce(`Repeat counts of ${coupon.code} saved`);
      await refresh();
    },
  );

  const rollbackForm = writeForm(
    'rollback',
    'Roll back an order',
    'Roll back',
    [
      field('rollback', { name: 'userId', label: 'User' }),
      field('rollback', { name: 'orderId', label: 'Order' }),
    ],
    async (form) => {
      const body = {
        couponCode: coupon.code,
        userId: text(form, 'userId') ?? '',
        orderId: text(form, 'orderId') ?? '',
      };
      const outcome = await api<{ status: string }>('POST', '/redemptions/rollback', body);
      announce(rollbackMessage(body.userId, body.orderId, outcome.status));
      form.reset();
      await refresh();
    },
  );
  const rollback = h(
    'section',
    { id: 'rollback-section', 'aria-label': 'Roll back' },
    rollbackForm,
  );

  return {
    toggle,
    edit,
    repeatCounts,
    rollback,
    update(value) {
      current = value;
      toggle.textContent = value.active ? 'Deactivate' : 'Activate';
      showStored(edit, editValues(value));
      showStored(repeatCounts, countValues(value.repeatCounts));
    },
  };
}

const COUNT_NAMES = ['globalTotal', 'userTotal', 'userDaily', 'userWeekly'] as const;

/** What the edit form shows of a stored coupon. */
const editValues = (coupon: Coupon) => ({
  discountPercentage: String(coupon.discountPercentage),
  startsAt: coupon.startsAt ?? '',
  expiresAt: coupon.expiresAt,
  description: coupon.description ?? '',
});

/** What the repeat-counts form shows: empty for unlimited. */
const countValues = (counts: Coupon['repeatCounts']) =>
  Object.fromEntries(
    COUNT_NAMES.map((name) => [name, counts[name] === null ? '' : String(counts[name])]),
  );
