// Every data call of the console: the API with the bearer token the user signed in with. The token
// stays in this tab's sessionStorage: never in a URL, never in a cookie.

import type { Role } from './types.js';

const TOKEN_KEY = 'coupon-console.token';

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  start: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  end: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx; `messages` are the API's (`message`, a string or a list). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(messages.join('; '));
  }
}

/** Called when the API no longer takes the token (401): the console asks to sign in again. */
let onUnauthorized: (error: ApiError) => void = () => undefined;
export const whenUnauthorized = (handler: (error: ApiError) => void) => (onUnauthorized = handler);

async function request<T>(method: string, path: string, token: string, body?: object): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await response.text();
  const answer: unknown = text ? JSON.parse(text) : undefined;
  if (response.ok) return answer as T;
  throw new ApiError(response.status, messagesOf(answer, response));
}

function messagesOf(answer: unknown, response: Response): string[] {
  const { message, reason } = (answer ?? {}) as { message?: unknown; reason?: unknown };
  if (Array.isArray(message)) return message.map(String);
  if (typeof message === 'string') return [message];
  // A refused rollback answers an outcome ({status: 'rejected', reason}), not an error.
  if (typeof reason === 'string') return [reason];
  return [`${response.status} ${response.statusText}`.trim()];
}

/** A call with the signed-in token. */
export async function api<T>(method: string, path: string, body?: object): Promise<T> {
  const token = session.token();
  if (token === null) {
    const error = new ApiError(401, ['Sign in first']);
    onUnauthorized(error);
    throw error;
  }
  try {
    return await request<T>(method, path, token, body);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) onUnauthorized(error);
    throw error;
  }
}

/** The role of a token, which the sign-in checks before keeping it. */
export const roleOf = async (token: string) =>
  (await request<{ role: Role }>('GET', '/session', token)).role;

/** A path with its query; parameters left empty are left out. */
export function withQuery(path: string, query: Record<string, string | number | undefined>) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export const couponPath = (code: string) => `/coupons/${encodeURIComponent(code)}`;
