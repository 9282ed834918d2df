import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';

export const DASHBOARD_ROUTE = 'queues';

/**
 * The bull-board dashboard over the service's queues, as an Express router. (@bull-board/nestjs
 * would do this wiring, but it is CommonJS that requires the ESM-only NestJS 12 packages, which
 * jest cannot load on Node 20.)
 */
export function queueDashboard(queues: Queue[]) {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(`/${DASHBOARD_ROUTE}`);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Coupon queues' } },
  });
  return adapter.getRouter();
}
