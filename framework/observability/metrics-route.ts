/** `GET /metrics`: the Kiosk's metrics in Prometheus's text format, for a scraper. */
import { Router } from 'express';
import type { KioskMetrics } from './metrics';

/**
 * The router serving `/metrics`. It is open, like most scrape targets: serve it on a private
 * network, or put the web process behind a proxy that keeps `/metrics` and `/admin` inside.
 *
 * @example
 * ```ts
 * app.use(metricsRouter(metrics));
 * ```
 */
export function metricsRouter(metrics: KioskMetrics, path = '/metrics'): Router {
  const router = Router();
  router.get(path, async (_req, res) => {
    try {
      const text = await metrics.text();
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.send(text);
    } catch {
      res.status(500).json({ error: { code: 'KIOSK_INTERNAL', message: 'Metrics could not be collected; see the server log.' } });
    }
  });
  return router;
}
