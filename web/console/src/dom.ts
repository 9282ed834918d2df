// Small render helpers: the console builds its DOM with these, no framework.

export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((event: Event) => void)>;

/** An element with attributes (on* functions become listeners; false/null/undefined are left out). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's content. Keyboard focus inside it stays on the new element that matches
 * the focused one (same tag, id, name and text), so a refresh never throws a keyboard user back
 * to the top of the page.
 */
export function fill(parent: Element, ...children: (Child | Child[])[]): void {
  const focused = document.activeElement;
  const key = focused && parent.contains(focused) ? focusKey(focused) : undefined;
  parent.replaceChildren();
  append(parent, ...children);
  if (key === undefined) return;
  const same = [...parent.querySelectorAll<HTMLElement>(focused!.tagName)].find(
    (element) => focusKey(element) === key,
  );
  same?.focus();
}

const focusKey = (element: Element) =>
  [element.tagName, element.id, element.getAttribute('name'), element.textContent].join('\u0000');

/** A table with a caption, a header row and one row per item. */
export function table(
  caption: string,
  headers: string[],
  rows: Child[][],
  empty = 'None',
  options: { captionHidden?: boolean } = {},
): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, `${caption}: ${empty.toLowerCase()}.`);
  return h(
    'table',
    {},
    // A hidden caption still names the table for screen readers where a heading shows it already.
    h('caption', { class: options.captionHidden ? 'visually-hidden' : null }, caption),
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells.map((cell) => h('td', {}, cell))))),
  );
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** An instant in the reader's own zone, in a <time> element that keeps the exact value. */
export function time(iso: string | null): Child {
  if (iso === null) return '—';
  return h('time', { datetime: iso }, dateTime.format(new Date(iso)));
}

export const limitText = (limit: number | null) => (limit === null ? 'unlimited' : String(limit));
