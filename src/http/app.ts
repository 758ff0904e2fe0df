/**
 * `createApp` builds the Express application; it never listens (main.ts does, tests use an ephemeral port).
 */
import bytes from 'bytes';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { AuthService } from '../services/auth/authService.js';
import type { DefinitionService } from '../services/definitionService.js';
import { DefinitionTransfer } from '../services/definitionTransfer.js';
import type { RecordService } from '../services/recordService.js';
import type { ResultLinkService } from '../services/resultLinkService.js';
import type { RunService } from '../services/runService.js';
import type { IdempotencyService } from '../services/idempotencyService.js';
import type { ScheduleService } from '../runs/schedules.js';
import { errorHandler, routeNotFound } from './errorHandler.js';
import { securityHeaders } from './securityHeaders.js';
import { requestLog } from './requestLog.js';
import { bodyParsers } from './negotiation.js';
import { agendashRouter, type AgendashOptions } from './agendash.js';
import { authenticate } from './authenticate.js';
import { accountsRouter } from './routes/accountsRouter.js';
import { serviceGroupsRouter } from './routes/serviceGroupsRouter.js';
import { adminRouter, type AdminServices } from './routes/admin/adminRouter.js';
import { batchAdminRouter } from './routes/batchAdminRouter.js';
import { batchRouter } from './routes/batchRouter.js';
import { definitionTransferRouter } from './routes/definitionTransferRouter.js';
import { HEALTH_PATH, healthRouter, type HealthReport } from './routes/healthRouter.js';
import { invokeRouter } from './routes/invokeRouter.js';
import { recordsRouter } from './routes/recordsRouter.js';
import { recordServicesRouter } from './routes/recordServicesRouter.js';
import { relationsRouter } from './routes/relationsRouter.js';
import { linkResultsRouter, runLinksRouter } from './routes/resultLinksRouter.js';
import { runsRouter } from './routes/runsRouter.js';
import { RECORD_FILE_MAX_BYTES, UPLOAD_FILES_LIMIT } from '../domain/recordItems.js';
import { multiTenantRouter } from './routes/multiTenantRouter.js';
import { OAUTH_PATH, oauthRouter } from './oauth/oauthRouter.js';
import { OPENAPI_PATH, openApiRouter } from './openapi/openApiRouter.js';
import type Provider from 'oidc-provider';
import { CONSOLE_CLIENT_ID } from '../services/oauth/consoleClient.js';
import { CSPACE_SCOPE, OAUTH_ROUTES } from '../services/oauth/oauthProvider.js';
import type { MultiTenantDeps } from '../services/multiTenantInvocation.js';
import { definitionSchedulesRouter, schedulesRouter } from './routes/schedulesRouter.js';
import { consoleRouter } from './console/consoleRouter.js';

/** CollectionSpace clients address every service under this root. */
export const SERVICE_ROOT = '/cspace-services';
/** The web console, which signs in through the OAuth sign-in page as its own client. */
export const CONSOLE_PATH = `${SERVICE_ROOT}/console`;

export interface AppDeps {
  definitions: DefinitionService;
  records: RecordService;
  /** Starting one job as a run in several tenants at once; needs `runs`. */
  multiTenant?: MultiTenantDeps;
  /** Runs: every invocation, `/runs`. */
  runs: RunService;
  /** Links to runs' results (`/runs/{id}/links`, `/links/{linkId}/results`); absent, those routes do not exist. */
  resultLinks?: ResultLinkService;
  /** Idempotency keys of starting runs (in one tenant or several), opening them, adding items and bulk administration (src/http/idempotency.ts). */
  idempotency: IdempotencyService;
  /** Schedules (`/batch/{csid}/schedules`, `/schedules`); absent, those routes do not exist. */
  schedules?: ScheduleService;
  health: () => Promise<HealthReport>;
  auth: AuthService;
  admin: AdminServices;
  /** The OAuth authorization server (`/cspace-services/oauth2`); absent, only Basic and API tokens log in. */
  oauth?: { provider: Provider; defaultClientId: string; redirectOrigins: readonly string[] };
  /** The Agenda dashboard and where to serve it; absent, it is not served. */
  agendash?: AgendashOptions;
  logger: Logger;
}

export interface AppOptions {
  /** Largest accepted request body (bytes or a size string such as `'1mb'`). */
  bodyLimit: string | number;
  /** Express `trust proxy`: whose `X-Forwarded-For` gives the client address. @defaultValue false */
  trustProxy?: boolean | number | string;
  /** Finished runs are purged this long after completion (0: never); shown on runs. @defaultValue 0 */
  runRetentionMs?: number;
  /**
   * Whether to serve the API under `/cspace-services`; a worker-only process (`RUN_ROLE=worker`) serves only
   * `/health`, for its supervisor. @defaultValue true
   */
  serveApi?: boolean;
}

export function createApp(deps: AppDeps, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);
  // An API answers data, never pages: helmet's defaults (CSP, nosniff, frame and referrer policies, HSTS) all apply.
  app.use(securityHeaders());

  app.use(requestLog(deps.logger));

  app.use(HEALTH_PATH, healthRouter(deps.health));

  const authenticateCaller = authenticate(deps.auth);
  const parseBody = bodyParsers(options.bodyLimit);
  const api = express.Router();
  // Before the body parsers: an unauthenticated request is answered without reading its body.
  api.use(authenticateCaller, parseBody);
  // Every `/batch` route in one router mounted on the app itself, in this order: a request enters one router
  // under the app and walks its routes, rather than entering the API's router too (each router parses the URL and
  // trims its prefix again), or five routers one after the other. It authenticates and reads bodies as the API
  // does. Bulk administration and transfer first, so that their paths (`bulk`, `forms`, `export`, `import`) are
  // never taken for a csid.
  const batch = express.Router();
  batch.use(authenticateCaller, parseBody);
  batchAdminRouter(deps.definitions, deps.idempotency, batch);
  definitionTransferRouter(new DefinitionTransfer(deps.definitions), batch);
  // Invocation next: the deprecated `POST /batch/{csid}` would otherwise meet the definitions router's 405.
  invokeRouter({ runs: deps.runs, idempotency: deps.idempotency, runsPath: `${SERVICE_ROOT}/runs` }, batch);
  if (deps.schedules !== undefined) definitionSchedulesRouter({ schedules: deps.schedules, basePath: `${SERVICE_ROOT}/schedules` }, batch);
  batchRouter({ definitions: deps.definitions, basePath: `${SERVICE_ROOT}/batch` }, batch);
  // No other router serves a path under `/batch`: one that is not here is not found (and not authenticated again).
  batch.use(routeNotFound);
  if (deps.schedules !== undefined) api.use('/schedules', schedulesRouter({ schedules: deps.schedules }));
  api.use('/records', recordsRouter({ records: deps.records, basePath: `${SERVICE_ROOT}/records` }));
  api.use(recordServicesRouter({ records: deps.records, serviceRoot: SERVICE_ROOT }));
  api.use('/relations', relationsRouter({ records: deps.records, basePath: `${SERVICE_ROOT}/relations` }));
  if (deps.multiTenant !== undefined) api.use('/batch-multitenant', multiTenantRouter(deps.multiTenant, deps.idempotency));
  const linksPath = `${SERVICE_ROOT}/links`;
  if (deps.resultLinks !== undefined) api.use('/runs', runLinksRouter({ links: deps.resultLinks, linksPath }));
  const maxBytes = bytes.parse(options.bodyLimit) ?? 0;
  const uploadLimits = { maxBytes, maxFileBytes: Math.min(maxBytes, RECORD_FILE_MAX_BYTES), maxFiles: UPLOAD_FILES_LIMIT };
  api.use(
    '/runs',
    runsRouter({ runs: deps.runs, idempotency: deps.idempotency, basePath: `${SERVICE_ROOT}/runs`, retentionMs: options.runRetentionMs ?? 0, uploadLimits }),
  );
  api.use('/accounts', accountsRouter({ auth: deps.auth }));
  api.use('/servicegroups', serviceGroupsRouter());
  api.use('/admin', adminRouter(deps.admin, `${SERVICE_ROOT}/admin`));
  // Before the API: its default path lies under SERVICE_ROOT, whose body parsers and 404s must not see it.
  if (options.serveApi ?? true) {
    if (deps.agendash !== undefined) app.use(deps.agendash.path, agendashRouter(deps.auth, deps.agendash.agenda));
    // Before the API too: these routes are how a client gets credentials, so the API's authentication must not see them.
    const oauthPath = `${SERVICE_ROOT}${OAUTH_PATH}`;
    if (deps.oauth !== undefined) {
      app.use(oauthPath, oauthRouter({ ...deps.oauth, auth: deps.auth, basePath: oauthPath }));
      // Before the API too: the console's page must open without credentials to send a visitor to the sign-in page.
      const signIn = {
        clientId: CONSOLE_CLIENT_ID,
        redirectPath: `${CONSOLE_PATH}/`,
        scope: CSPACE_SCOPE,
        authorizeUrl: `${oauthPath}${OAUTH_ROUTES.authorization}`,
        tokenUrl: `${oauthPath}${OAUTH_ROUTES.token}`,
        revokeUrl: `${oauthPath}${OAUTH_ROUTES.revocation}`,
      };
      app.use(CONSOLE_PATH, consoleRouter({ basePath: CONSOLE_PATH, authenticate: authenticateCaller, signIn }));
      // People who open the service's address in a browser land on the console rather than a 404.
      app.get('/', (_req, res) => res.redirect(302, `${CONSOLE_PATH}/`));
    }
    // Open too: a client is generated from the description before anyone logs in. It describes what this app serves.
    app.use(
      `${SERVICE_ROOT}${OPENAPI_PATH}`,
      openApiRouter(SERVICE_ROOT, {
        schedules: deps.schedules !== undefined,
        resultLinks: deps.resultLinks !== undefined,
        multiTenant: deps.multiTenant !== undefined,
        uploadLimits,
        ...(deps.oauth !== undefined && { oauthPath, consolePath: CONSOLE_PATH }),
        ...(deps.agendash !== undefined && { agendashPath: deps.agendash.path }),
      }),
    );
    // Before the API too: a public link's signed URL opens without credentials; the others authenticate there.
    if (deps.resultLinks !== undefined) app.use(linksPath, linkResultsRouter(deps.resultLinks, authenticateCaller));
    app.use(`${SERVICE_ROOT}/batch`, batch);
    app.use(SERVICE_ROOT, api);
  }

  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
