import { Router } from 'express';
import type { StoreEngine } from '../../store/types.js';

export interface HealthReport {
  status: 'ok';
  store: { engine: StoreEngine };
  plugins: { loaded: number; failed: Array<{ file: string; code: string; message: string }> };
}

/** `GET /health`: always JSON, always open; says which store runs and which plugins failed to load. */
export function healthRouter(report: () => HealthReport): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.status(200).json(report());
  });
  return router;
}
