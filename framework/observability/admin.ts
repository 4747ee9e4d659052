/**
 * The queues UI (bull-board) at `/admin/queues`, behind HTTP Basic credentials from
 * configuration. Operators see every Kiosk queue (inbound partitions, jobs, delivery
 * partitions), inspect failed jobs, retry or remove them. Without credentials configured it
 * is not mounted at all.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { requireBasicAuth, type BasicCredentials } from './basic-auth';

/** Options of `adminRouter`. */
export interface AdminRouterOptions {
  /** The operator's credentials; compared in constant time. */
  credentials: BasicCredentials;
  /** The queues to show, in this order. */
  queues: readonly Queue[];
  /** Where the UI lives. @defaultValue `'/admin/queues'` */
  basePath?: string;
  /** Show queues without pause, retry, clean or remove buttons. @defaultValue false */
  readOnly?: boolean;
}

/**
 * The router serving the queues UI, to mount at the app's root.
 *
 * @example
 * ```ts
 * app.use(adminRouter({ credentials: config.admin, queues: [...inbound.queues] }));
 * // then open http://127.0.0.1:3000/admin/queues
 * ```
 */
export function adminRouter(options: AdminRouterOptions): Router {
  const basePath = options.basePath ?? '/admin/queues';
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: options.readOnly ?? false })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Kiosk queues' } },
  });
  const router = Router();
  router.use(basePath, requireBasicAuth(options.credentials), serverAdapter.getRouter() as Router);
  return router;
}
