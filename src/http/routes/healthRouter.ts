import { Router } from 'express';
import type { StoreProblem } from '../../domain/errors.js';
import type { StoreEngine } from '../../store/types.js';

export interface HealthReport {
  /** `unavailable` when the store cannot take writes: the service then refuses them (503) and runs pause. */
  status: 'ok' | 'unavailable';
  store: { engine: StoreEngine; problem?: StoreProblem };
  plugins: { loaded: number; failed: Array<{ file: string; code: string; message: string }> };
}

/** Where the health router is mounted: by its path, so that no other request walks into it. */
export const HEALTH_PATH = '/health';

/**
 * `GET /health`: always JSON, always open; says which store runs, whether it takes writes (answering 503 when it
 * does not, so a supervisor or load balancer sees it) and which plugins failed to load.
 */
export function healthRouter(report: () => Promise<HealthReport>): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const health = await report();
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });
  return router;
}
