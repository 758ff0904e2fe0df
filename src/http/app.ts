/**
 * `createApp` builds the Express application; it never listens (main.ts does, tests use an ephemeral port).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { DefinitionService } from '../services/definitionService.js';
import type { InvocationService } from '../services/invocationService.js';
import type { RecordService } from '../services/recordService.js';
import { errorHandler, routeNotFound } from './errorHandler.js';
import { bodyParsers } from './negotiation.js';
import { anonymousCaller } from './requestContext.js';
import { batchRouter } from './routes/batchRouter.js';
import { healthRouter, type HealthReport } from './routes/healthRouter.js';
import { invokeRouter } from './routes/invokeRouter.js';
import { recordsRouter } from './routes/recordsRouter.js';
import { relationsRouter } from './routes/relationsRouter.js';

/** CollectionSpace clients address every service under this root. */
export const SERVICE_ROOT = '/cspace-services';

export interface AppDeps {
  definitions: DefinitionService;
  invocations: InvocationService;
  records: RecordService;
  health: () => HealthReport;
  logger: Logger;
}

export interface AppOptions {
  /** Largest accepted request body (bytes or a size string such as `'1mb'`). */
  bodyLimit: string | number;
}

/** The one log line per request: method, path, status and duration. */
function requestLine(req: IncomingMessage, res: ServerResponse, ms: number) {
  // Routers rewrite req.url while they run; the path as requested is Express's originalUrl.
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
  return { method: req.method, path: url.split('?')[0], status: res.statusCode, ms };
}

export function createApp(deps: AppDeps, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = req.headers['x-request-id'];
        const requestId = typeof id === 'string' && /^[\w.-]{1,128}$/.test(id) ? id : randomUUID();
        res.setHeader('X-Request-Id', requestId);
        return requestId;
      },
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      // The request line says all a request log needs; full headers would only add noise (and credentials).
      serializers: { req: () => undefined, res: () => undefined },
      customSuccessMessage: () => 'request',
      customErrorMessage: () => 'request',
      customSuccessObject: (req, res, val: { responseTime: number }) => requestLine(req, res, val.responseTime),
      customErrorObject: (req, res, _err, val: { responseTime: number }) => requestLine(req, res, val.responseTime),
    }),
  );

  app.use(healthRouter(deps.health));

  const api = express.Router();
  api.use(anonymousCaller);
  api.use(bodyParsers(options.bodyLimit));
  // Invocation first: the deprecated `POST /batch/{csid}` would otherwise meet the definitions router's 405.
  api.use('/batch', invokeRouter({ invocations: deps.invocations }));
  api.use('/batch', batchRouter({ definitions: deps.definitions, basePath: `${SERVICE_ROOT}/batch` }));
  api.use('/records', recordsRouter({ records: deps.records, basePath: `${SERVICE_ROOT}/records` }));
  api.use('/relations', relationsRouter({ records: deps.records, basePath: `${SERVICE_ROOT}/relations` }));
  app.use(SERVICE_ROOT, api);

  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
