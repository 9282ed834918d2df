// The console's entry: sign-in, the header, hash routing and the refresh.

import { ApiError, roleOf, session, whenUnauthorized } from './api.js';
import { couponPage } from './coupon.js';
import { couponsPage } from './coupons.js';
import { h } from './dom.js';
import { announce, type Page } from './shell.js';
import { signInPage } from './signin.js';
import type { Role } from './types.js';

/** Seconds between automatic refreshes of the page in view (only while the tab is visible). */
const AUTO_REFRESH_SECONDS = 30;

const main = document.getElementById('main')!;
const who = document.getElementById('who')!;
const signOut = document.getElementById('sign-out') as HTMLButtonElement;
const refreshButton = document.getElementById('refresh') as HTMLButtonElement;
let role: Role | undefined;
let page: Page | undefined;

function showSignIn(reason?: string) {
  role = undefined;
  page = undefined;
  session.end();
  who.textContent = '';
  signOut.hidden = true;
  refreshButton.hidden = true;
  signInPage(
    main,
    (signedIn) => {
      role = signedIn;
      if (!location.hash.startsWith('#/')) location.hash = '#/coupons';
      route();
    },
    reason,
  );
}

whenUnauthorized((error: ApiError) =>
  showSignIn(`Signed out: the API did not accept the token (${error.messages.join(' ')})`),
);

function route() {
  if (!role) return;
  who.replaceChildren('Signed in as ', h('strong', {}, role));
  signOut.hidden = false;
  refreshButton.hidden = false;
  const hash = location.hash.slice(1);
  const [path = '', search = ''] = hash.split('?');
  const coupon = /^\/coupon\/(.+)$/.exec(path);
  const code = coupon && decodedOrNull(coupon[1]!);
  if (code) {
    page = couponPage(main, role, code);
  } else {
    const params = new URLSearchParams(search);
    page = couponsPage(main, role, {
      q: params.get('q') ?? '',
      offset: Math.max(0, Number(params.get('offset')) || 0),
    });
  }
  main.focus();
  void refresh();
}

/** A path segment as typed; null for one that is not well-formed percent-encoding. */
function decodedOrNull(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

let refreshing: Page | undefined;

async function refresh() {
  const current = page;
  // One read of a page at a time: a slow API is not asked again before it answered.
  if (!current || refreshing === current) return;
  refreshing = current;
  refreshButton.disabled = true;
  try {
    await current.refresh();
    if (current === page) refreshButton.title = `Updated ${new Date().toLocaleTimeString()}`;
  } finally {
    if (refreshing === current) refreshing = undefined;
    refreshButton.disabled = false;
  }
}

signOut.addEventListener('click', () => {
  showSignIn();
  announce('Signed out');
});
refreshButton.addEventListener('click', () => {
  void refresh().then(() => announce('Refreshed'));
});
window.addEventListener('hashchange', () => {
  // Only the console's own routes: a link to an anchor in the page is not one.
  if (location.hash.startsWith('#/')) route();
});
setInterval(() => {
  if (document.visibilityState === 'visible') void refresh();
}, AUTO_REFRESH_SECONDS * 1000);

const token = session.token();
if (token === null) {
  showSignIn();
} else {
  roleOf(token)
    .then((known) => {
      role = known;
      route();
    })
    .catch((error: unknown) =>
      showSignIn(
        error instanceof ApiError ? `Sign in again: ${error.messages.join(' ')}` : String(error),
      ),
    );
}
