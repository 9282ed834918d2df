import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { partitionLabel } from '../jobs/redemption-queues.js';
import { dashboardRole } from './dashboard-auth.js';

export const DASHBOARD_ROUTE = 'queues';

/**
 * bull-board's page links its fonts from Google Fonts: on an offline host that request fails, and
 * elsewhere it tells a third party whenever an admin opens the dashboard. The page is served
 * without that link, so it uses the system fonts its CSS falls back to (sans-serif, monospace).
 */
const FONT_SERVICE_LINK =
  /<link\b[^>]*\bhref="https:\/\/fonts\.(?:googleapis|gstatic)\.com[^>]*>\s*/g;

/** The rendered page, the font-service link taken out. */
export function withoutFontService(html: string): string {
  return html.replace(FONT_SERVICE_LINK, '');
}

/** A queue, and for a redemption queue partition past the first, its number. */
export interface DashboardQueue {
  queue: Queue;
  partition?: number;
}

function board(queues: DashboardQueue[], readOnlyMode: boolean) {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(`/${DASHBOARD_ROUTE}`);
  createBullBoard({
    // bull-board tells queues apart by `prefix` + name: partitions share a name.
    queues: queues.map(
      ({ queue, partition }) =>
        new BullMQAdapter(queue, {
          readOnlyMode,
          ...(partition
            ? { prefix: `p${partition}:`, displayName: partitionLabel(partition) }
            : {}),
        }),
    ),
    serverAdapter: adapter,
    options: {
      uiConfig: {
        boardTitle: readOnlyMode ? 'Coupon queues (read-only)' : 'Coupon queues',
        miscLinks: [
          { text: 'Admin console', url: '/console' },
          { text: 'API docs', url: '/docs' },
        ],
      },
    },
  });
  return adapter.getRouter();
}

/**
 * The bull-board dashboard over the service's queues, as Express middleware behind dashboardAuth:
 * two boards on the same route, the full one for the admin token and a read-only one (bull-board's
 * readOnlyMode: no retry, clean, remove, promote, pause or scheduler delete, and its API refuses
 * them) for the viewer token. (@bull-board/nestjs would do this wiring, but it is CommonJS that
 * requires the ESM-only NestJS 12 packages, which jest cannot load on Node 20.)
 */
export function queueDashboard(queues: DashboardQueue[]) {
  const admin = board(queues, false);
  const viewer = board(queues, true);
  return (req: Request, res: Response, next: NextFunction) => {
    // The page is rendered by the board's own Express app; catch its HTML on the way out.
    const render = res.render.bind(res);
    res.render = ((view: string, options?: object) =>
      render(view, options ?? {}, (error: Error | null, html: string) => {
        if (error) return next(error);
        res.type('html').send(withoutFontService(html));
      })) as Response['render'];
    const target = dashboardRole(res) === 'admin' ? admin : viewer;
    target(req, res, next);
  };
}
