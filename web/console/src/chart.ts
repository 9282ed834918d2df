// Redemptions per day: a uPlot chart, and the same numbers in a table that screen readers (and
// tests) read. uPlot is loaded by the page as a classic script (vendor/uPlot.iife.min.js), which
// defines the global its types declare (`export as namespace uPlot`).

import type UPlot from 'uplot';
import { h } from './dom.js';
import { acceptedOf, type Stats } from './types.js';

const SERIES = [
  { label: 'Accepted', stroke: '#1b6e3a', dash: undefined },
  { label: 'Rejected', stroke: '#b3261e', dash: [8, 4] },
  { label: 'Rolled back', stroke: '#5b3fa3', dash: [2, 4] },
];

const rowsOf = (stats: Stats) =>
  stats.days.map((day) => [day.day, acceptedOf(day), day.rejected, day.rolledBack] as const);

function chartData(stats: Stats): UPlot.AlignedData {
  const rows = rowsOf(stats);
  // Days are dates in the coupon time zone: drawn as UTC midnights and labelled in UTC.
  return [
    rows.map(([day]) => Date.parse(`${day}T00:00:00Z`) / 1000),
    rows.map((row) => row[1]),
    rows.map((row) => row[2]),
    rows.map((row) => row[3]),
  ];
}

/** A chart of the days in `stats`; `existing` is given its new data instead. */
export function drawChart(target: HTMLElement, stats: Stats, existing?: UPlot): UPlot {
  const data = chartData(stats);
  if (existing) {
    existing.setData(data);
    return existing;
  }
  target.replaceChildren();
  const chart = new uPlot(
    {
      width: Math.max(320, Math.min(target.clientWidth || 640, 900)),
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, max)] } },
      axes: [{}, { label: 'Redemptions', values: (_u, ticks) => ticks.map(String) }],
      series: [
        { label: 'Day', value: '{YYYY}-{MM}-{DD}' },
        ...SERIES.map(({ label, stroke, dash }) => ({ label, stroke, dash, width: 2 })),
      ],
    },
    data,
    target,
  );
  keyboardLegend(chart);
  return chart;
}

/**
 * uPlot's legend hides or shows a series on a click: each entry becomes a button that Tab reaches
 * and Enter or Space presses. The plot itself is hidden from screen readers (the table beside it
 * has its numbers); the legend is not.
 */
function keyboardLegend(chart: UPlot): void {
  chart.root.querySelector('.u-wrap')?.setAttribute('aria-hidden', 'true');
  const entries = chart.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
  entries.forEach((entry, i) => {
    if (i === 0) return; // the day, not a series
    entry.tabIndex = 0;
    entry.setAttribute('role', 'button');
    const pressed = () =>
      entry.setAttribute('aria-pressed', String(!entry.classList.contains('u-off')));
    pressed();
    entry.addEventListener('click', () => queueMicrotask(pressed));
    entry.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      entry.click();
    });
  });
}

/** The chart's numbers as a table: day, accepted (with confirmed), rejected, rolled back. */
export function chartTable(stats: Stats): HTMLTableElement {
  const totals = stats.totals;
  const cells = (values: readonly (string | number)[], header = false) =>
    values.map((value, i) =>
      i === 0 ? h('th', { scope: 'row' }, String(value)) : h(header ? 'th' : 'td', {}, value),
    );
  return h(
    'table',
    { id: 'daily-table', class: 'numbers' },
    h('caption', {}, `Redemptions per day, ${stats.from} to ${stats.to} (${stats.timeZone})`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Day', ...SERIES.map(({ label }) => label)].map((text) => h('th', { scope: 'col' }, text)),
      ),
    ),
    h(
      'tbody',
      {},
      rowsOf(stats)
        .reverse()
        .map((row) => h('tr', {}, cells(row))),
    ),
    h(
      'tfoot',
      {},
      h('tr', {}, cells(['Total', acceptedOf(totals), totals.rejected, totals.rolledBack], true)),
    ),
  );
}
