// Sign-in: the admin or viewer token, checked with GET /session before the tab keeps it.

import { ApiError, roleOf, session } from './api.js';
import { fill, h } from './dom.js';
import { clearErrors, field, showErrors } from './forms.js';
import type { Role } from './types.js';

export function signInPage(
  main: HTMLElement,
  onSignedIn: (role: Role) => void,
  reason?: string,
): void {
  const form = h(
    'form',
    { id: 'signin', novalidate: true, 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h(
      'p',
      {},
      'Use the admin token (ADMIN_TOKEN) or the viewer token (VIEWER_TOKEN). It is kept for this ' +
        'browser tab only and sent to the API as a bearer token.',
    ),
    field('signin', { name: 'token', label: 'Access token', type: 'text', required: true }),
    h('div', { id: 'signin-alert', class: 'form-error', role: 'alert' }, reason ?? ''),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  const input = form.querySelector<HTMLInputElement>('#signin-token')!;
  // A secret: not shown, and not offered for autofill to the next user of the browser.
  input.type = 'password';
  input.autocomplete = 'off';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    const token = input.value.trim();
    roleOf(token)
      .then((role) => {
        session.start(token);
        onSignedIn(role);
      })
      .catch((error: unknown) =>
        showErrors(
          form,
          error instanceof ApiError && error.status === 401
            ? new ApiError(401, ['token was not accepted (401): check it and try again'])
            : error,
        ),
      );
  });
  fill(main, form);
  input.focus();
}
