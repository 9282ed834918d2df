// What every page shares: the status line screen readers hear, and what a page offers the router.

/** A rendered page: `refresh` reads its data again (the Refresh button and the auto refresh). */
export interface Page {
  refresh(): Promise<void>;
}

/** A polite status message (aria-live), such as "Coupon SAVE10 created". */
export function announce(message: string): void {
  const status = document.getElementById('status')!;
  status.textContent = message;
}
