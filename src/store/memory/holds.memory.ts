import type { UsageCounts } from '../../domain/coupon.js';
import { expiryOrder, heldCounts, type Hold } from '../../domain/holds.js';
import type { Periods } from '../../domain/periods.js';

const before = (a: Hold, b: Hold): boolean => expiryOrder(a, b) < 0;

/**
 * One coupon's live holds, by order, by user and by unique code, with a min-heap by expiry so
 * that dropping the expired ones costs O(log n) each. Holds released or confirmed stay in the heap
 * until they come out of it (skipped then), or until they outnumber the live ones and it is rebuilt.
 */
export class CouponHolds {
  private readonly byOrder = new Map<string, Hold>();
  private readonly byUser = new Map<string, Set<Hold>>();
  private readonly byCode = new Map<number, number>();
  private heap: Hold[] = [];

  get size(): number {
    return this.byOrder.size;
  }

  get(orderId: string): Hold | undefined {
    return this.byOrder.get(orderId);
  }

  all(): IterableIterator<Hold> {
    return this.byOrder.values();
  }

  /** Live holds of `userId` against each counter at `periods` (holds.heldCounts). */
  held(userId: string | undefined, periods: Periods): UsageCounts {
    const users = userId === undefined ? undefined : this.byUser.get(userId);
    return heldCounts(this.byOrder.size, users ?? [], periods);
  }

  codeHeld(index: number): number {
    return this.byCode.get(index) ?? 0;
  }

  add(hold: Hold): void {
    this.byOrder.set(hold.orderId, hold);
    let users = this.byUser.get(hold.userId);
    if (!users) this.byUser.set(hold.userId, (users = new Set()));
    users.add(hold);
    if (hold.codeIndex !== undefined) {
      this.byCode.set(hold.codeIndex, this.codeHeld(hold.codeIndex) + 1);
    }
    this.push(hold);
    if (this.heap.length > 2 * this.byOrder.size + 64) this.rebuild();
  }

  remove(hold: Hold): void {
    if (this.byOrder.get(hold.orderId) !== hold) return;
    this.byOrder.delete(hold.orderId);
    const users = this.byUser.get(hold.userId)!;
    users.delete(hold);
    if (users.size === 0) this.byUser.delete(hold.userId);
    if (hold.codeIndex !== undefined) {
      const held = this.codeHeld(hold.codeIndex) - 1;
      if (held === 0) this.byCode.delete(hold.codeIndex);
      else this.byCode.set(hold.codeIndex, held);
    }
  }

  /** Drops every hold expired at `now` (holds.isLive), oldest first; returns them. */
  expire(now: number): Hold[] {
    const expired: Hold[] = [];
    while (this.heap.length > 0 && this.heap[0]!.expiresAt <= now) {
      const hold = this.pop();
      if (this.byOrder.get(hold.orderId) === hold) {
        this.remove(hold);
        expired.push(hold);
      }
    }
    return expired;
  }

  /** Removes the user's holds; returns them. */
  forget(userId: string): Hold[] {
    const holds = [...(this.byUser.get(userId) ?? [])];
    for (const hold of holds) this.remove(hold);
    return holds;
  }

  private rebuild(): void {
    this.heap = [];
    for (const hold of this.byOrder.values()) this.push(hold);
  }

  private push(hold: Hold): void {
    const heap = this.heap;
    heap.push(hold);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(hold, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = hold;
  }

  private pop(): Hold {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
