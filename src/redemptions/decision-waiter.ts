import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { RedemptionOutcome } from './redemption.contract.js';

export type Settlement =
  | { kind: 'decided'; outcome: RedemptionOutcome }
  | { kind: 'failed'; error: string }
  | { kind: 'pending' };

interface Waiting {
  settle: (settlement: Settlement) => void;
  timer: NodeJS.Timeout;
}

/**
 * Lets an HTTP request wait for the decision on its job. The worker in this process reports
 * each finished job here, so waiting costs no QueueEvents subscriber.
 */
@Injectable()
export class DecisionWaiter implements OnApplicationShutdown {
  private readonly waiting = new Map<string, Waiting[]>();

  /** Settles as 'pending' once `timeoutMs` passes without a decision. */
  wait(jobId: string, timeoutMs: number): Promise<Settlement> {
    return new Promise((resolve) => {
      const entry: Waiting = {
        settle: resolve,
        timer: setTimeout(() => this.settleOne(jobId, entry, { kind: 'pending' }), timeoutMs),
      };
      this.waiting.set(jobId, [...(this.waiting.get(jobId) ?? []), entry]);
    });
  }

  settle(jobId: string, settlement: Settlement): void {
    for (const entry of this.waiting.get(jobId) ?? []) this.settleOne(jobId, entry, settlement);
  }

  private settleOne(jobId: string, entry: Waiting, settlement: Settlement): void {
    clearTimeout(entry.timer);
    const rest = (this.waiting.get(jobId) ?? []).filter((other) => other !== entry);
    if (rest.length > 0) this.waiting.set(jobId, rest);
    else this.waiting.delete(jobId);
    entry.settle(settlement);
  }

  onApplicationShutdown(): void {
    for (const [jobId, entries] of this.waiting) {
      for (const entry of entries) this.settleOne(jobId, entry, { kind: 'pending' });
    }
  }
}
