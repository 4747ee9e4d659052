/**
 * The express app a Kiosk web process serves: webhooks, health and readiness, and whatever
 * routers the runtime adds (web chat, admin). Built from parts so tests can mount one part.
 */
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { webhookRoutes, type WebhookRouteOptions } from './webhook-route';

/** What the app is built from. */
export interface HttpAppOptions extends WebhookRouteOptions {
  /**
   * Whether the process can serve: Redis reachable and queues healthy. A report's other fields
   * (`redis`, `workers`, `queues`…) are sent in the body of `/readyz`.
   */
  isReady(): Promise<boolean | { ready: boolean }>;
  /** Further routers mounted at the root, e.g. the web chat's. */
  routers?: Router[];
}

/** Build the express app of a web process. */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const answer = await options.isReady().catch(() => false);
    const { ready, ...checks } = typeof answer === 'boolean' ? { ready: answer, redis: answer ? 'up' : 'down' } : answer;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', ...checks });
  });

  app.use(webhookRoutes(options));
  for (const router of options.routers ?? []) app.use(router);

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // Express's own parse errors (a malformed URL…): a clear 4xx/5xx in JSON, never a stack trace.
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    res.status(status).json({ error: { code: status < 500 ? 'KIOSK_BAD_REQUEST' : 'KIOSK_INTERNAL', message: status < 500 ? 'The request could not be understood.' : 'Internal error; see the server log.' } });
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'KIOSK_NOT_FOUND', message: 'No such route. Webhooks live at /webhooks/:bot/:platform.' } });
  });
  return app;
}
