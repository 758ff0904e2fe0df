/**
 * The composition root: opens the store, loads (and watches) the plugins, registers default definitions, and
 * serves the HTTP API. `stop()` undoes all of it in reverse order and is what graceful shutdown calls.
 */
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { SYSTEM_ACTOR } from './domain/types.js';
import type { Express } from 'express';
import { createApp } from './http/app.js';
import type { HealthReport } from './http/routes/healthRouter.js';
import { createPluginLoader, createPluginWatcher, PluginRegistry, type LoadedPlugin } from './plugins/index.js';
import { PluginThreads } from './plugins/threads/pluginThreads.js';
import { AccessTokenVerifier, startAuth, type AuthServices } from './services/auth/index.js';
import { freshKeys, loadOAuthKeys, OAUTH_KEYS_FILENAME } from './services/oauth/oauthKeys.js';
import { LINK_KEY_FILENAME, LinkSigner, loadLinkKey } from './services/resultLinkSigner.js';
import { ResultLinkService } from './services/resultLinkService.js';
import { loadOAuthClients } from './services/oauth/oauthClients.js';
import {
  checkClients,
  createOAuthProvider,
  CSPACE_UI_CLIENT_ID,
  OAUTH_AUDIENCE,
  redirectOrigins,
  type OAuthSettings,
} from './services/oauth/oauthProvider.js';
import type Provider from 'oidc-provider';
import { loginPathFor, OAUTH_PATH } from './http/oauth/oauthRouter.js';
import { CONSOLE_PATH, SERVICE_ROOT } from './http/app.js';
import { CONSOLE_CLIENT_ID, consoleClient } from './services/oauth/consoleClient.js';
import { registerDefaultDefinitions, registerInEveryTenant } from './services/autoRegistration.js';
import { renameRoleInDefinitions } from './services/definitionRoleRename.js';
import { DefinitionService } from './services/definitionService.js';
import { StoreGenerations } from './services/keptReads.js';
import { InvocationService } from './services/invocationService.js';
import { InvokeAuthorizer } from './services/invokeAuthorization.js';
import { RecordService } from './services/recordService.js';
import { RunService } from './services/runService.js';
import { IdempotencyService } from './services/idempotencyService.js';
import { notificationChannelFor } from './runs/notificationChannel.js';
import { agendaBackendFor, RunExecutor, watchAgendaFile } from './runs/runExecutor.js';
import { RunRetention } from './runs/retention.js';
import { ScheduleService } from './runs/schedules.js';
import { RunWorker } from './runs/runWorker.js';
import { openOAuthState, openStore, type Store, type StoreEngine } from './store/index.js';
import { systemClock } from './store/queryRules.js';

export interface ServiceHandle {
  /** Base URL a client on this machine reaches the server at, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** What the server listens on, for the start log: `all interfaces (::) port 8080`, `127.0.0.1 port 8080`. */
  listening: string;
  storeEngine: StoreEngine;
  store: Store;
  plugins: PluginRegistry;
  /** The Express application serving `url`, whose route table a test reads (see test/support/expressRoutes.ts). */
  app: Express;
  /** Runs the retention purge now, as its Agenda job does; answers how many runs were deleted. */
  purgeRuns(): Promise<number>;
  /** Stops accepting requests, waits for in-flight ones (up to the shutdown timeout), then releases everything. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Stops accepting connections and closes each one as soon as it is idle: at once, or when its request in flight
 * has been answered (a keep-alive connection would otherwise hold the close for seconds). Past `timeoutMs` the
 * remaining connections are cut.
 */
async function closeServer(server: Server, inFlight: ReadonlySet<ServerResponse>, timeoutMs: number): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  server.closeIdleConnections();
  for (const res of inFlight) res.on('finish', () => setImmediate(() => server.closeIdleConnections()));
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}

/** The OAuth settings, with the registrations of OAUTH_CLIENTS_FILE, checked with throwaway keys. */
async function checkedOAuthSettings(config: Config): Promise<OAuthSettings> {
  const reserved = { [CSPACE_UI_CLIENT_ID]: 'from OAUTH_REDIRECT_URIS', [CONSOLE_CLIENT_ID]: 'for the web console' };
  const otherClients = config.oauthClientsFile === undefined ? [] : await loadOAuthClients(config.oauthClientsFile, reserved);
  const settings = {
    issuer: config.oauthIssuer,
    redirectUris: config.oauthRedirectUris,
    accessTokenTtlSeconds: config.oauthAccessTokenTtlSeconds,
    refreshTokenTtlSeconds: config.oauthRefreshTokenTtlSeconds,
    otherClients,
    consolePath: `${CONSOLE_PATH}/`,
  };
  await checkClients(settings, await freshKeys());
  return settings;
}

/** Where a client on this machine reaches the server, and what the log says it listens on. */
function listeningAt(address: AddressInfo): { url: string; listening: string } {
  const everywhere = address.address === '::' || address.address === '0.0.0.0';
  const host = everywhere ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    listening: everywhere ? `all interfaces (${address.address}) port ${address.port}` : `${address.address} port ${address.port}`,
  };
}

export async function startService(config: Config, logger: Logger): Promise<ServiceHandle> {
  // Settings are checked before anything touches DATA_DIR or the store (loadConfig checked the others): a refused
  // one leaves nothing behind. The keys in DATA_DIR, when OAUTH_KEYS_FILE does not name others, are read later.
  const oauthSettings = await checkedOAuthSettings(config);
  const namedOAuthKeys = config.oauthKeysFile === undefined ? undefined : await loadOAuthKeys(config.oauthKeysFile);
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.mongodbUri && { mongodbUri: config.mongodbUri }),
    runs: { resultsInlineLimit: config.runResultsInlineLimit, logLines: config.runLogLines },
  });
  // Once per fault and once when it clears, not once per refused request (see src/store/health.ts).
  const storeLogger = logger.child({ component: 'store' });
  store.health.on('fault', (problem) => storeLogger.error({ problem }, 'store unavailable: writes are refused and runs pause until it recovers'));
  store.health.on('cleared', (problem) => storeLogger.warn({ problem }, 'store available again'));
  const plugins = new PluginRegistry();
  const watcher = createPluginWatcher({
    dir: config.pluginsDir,
    registry: plugins,
    logger: logger.child({ component: 'plugins' }),
    watch: config.watchPlugins,
    // Each module is evaluated in a thread of its own, under the plugin threads' heap limit (see src/plugins/loader.ts).
    loader: createPluginLoader({ timeoutMs: config.pluginLoadTimeoutMs, maxOldGenerationMb: config.pluginMaxOldGenerationMb }),
  });
  let closeOAuthState: (() => void) | undefined;
  // Undoes start-up so far when a later step fails; `stop` ends with it too.
  const release = async () => {
    await watcher.close();
    closeOAuthState?.();
    await store.close();
  };
  // Read once per request by authentication: what authentication and definition reads keep follows them.
  const generations = new StoreGenerations(() => store.generations());
  const pluginsOf = (loaded: readonly LoadedPlugin[]) => loaded.map(({ plugin }) => plugin);
  const registerEverywhere = (loaded = plugins.list()) =>
    registerInEveryTenant({ definitions: store.definitions, tenants: store.auth.tenants }, pluginsOf(loaded), logger);
  let security: AuthServices;
  let linkKey: Buffer;
  let oauthProvider: Provider;
  // Where the registered clients are sent back to after sign-in: the sign-in page may post on to these.
  let signInOrigins: string[];
  try {
    await watcher.start();
    // The authorization server's keys live in DATA_DIR (or OAUTH_KEYS_FILE) whichever engine is the store.
    await mkdir(config.dataDir, { recursive: true });
    const oauthKeys = namedOAuthKeys ?? (await loadOAuthKeys(path.join(config.dataDir, OAUTH_KEYS_FILENAME)));
    // Public result links are signed with this key: in DATA_DIR too unless RESULT_LINK_KEY_FILE names a shared one.
    linkKey = await loadLinkKey(config.resultLinkKeyFile ?? path.join(config.dataDir, LINK_KEY_FILENAME));
    const oauthState = openOAuthState(store, config.dataDir);
    closeOAuthState = oauthState.close;
    const accessTokens = new AccessTokenVerifier(oauthKeys.keys, { issuer: config.oauthIssuer, audience: OAUTH_AUDIENCE });
    security = await startAuth(store.auth, generations, config, logger.child({ component: 'auth' }), {
      accessTokens,
      // A new tenant starts with the plugins' default definitions, as every other tenant did.
      onTenantCreated: async (tenant) => {
        await registerDefaultDefinitions(store.definitions, tenant, pluginsOf(plugins.list()), logger);
      },
      // A role renamed by an upgrade keeps admitting the same people to the same jobs.
      renameDisplayName: async (tenant, rename) => {
        await renameRoleInDefinitions(store.definitions, tenant, rename, SYSTEM_ACTOR);
      },
    });
    // After the auth start-up, which creates the first tenant on a fresh store.
    const { failed } = await registerEverywhere();
    if (failed.length > 0) throw new Error(`could not register the default definitions in tenant(s) ${failed.join(', ')}`);
    const auth = security.auth;
    oauthProvider = createOAuthProvider({
      settings: oauthSettings,
      keys: oauthKeys,
      adapter: (model) => oauthState.state.adapterFor(model),
      isActive: (username) => auth.isActive(username),
      loginPath: (uid) => loginPathFor(`${SERVICE_ROOT}${OAUTH_PATH}`, uid),
      behindProxy: config.trustProxy !== false,
      logger: logger.child({ component: 'oauth' }),
      revocations: { store: store.auth.oauthRevocations, verifier: accessTokens, now: systemClock },
    });
    signInOrigins = redirectOrigins([
      { redirect_uris: config.oauthRedirectUris },
      consoleClient(config.oauthIssuer, oauthSettings.consolePath),
      ...oauthSettings.otherClients,
    ]);
  } catch (err) {
    await release();
    throw err;
  }
  // A plugin dropped in while the service runs registers its default definition like one present at start-up.
  plugins.on('loaded', (loaded) => {
    registerEverywhere([loaded]).catch((err: unknown) =>
      logger.error({ err, file: loaded.file }, 'could not register default definition'),
    );
  });
  const callerIn = (username: string, tenant: string) => security.auth.callerIn(username, tenant);

  const definitions = new DefinitionService(
    store.definitions,
    {
      resolve: (className) => plugins.resolve(className),
      classNames: () => plugins.classNames(),
    },
    generations,
  );
  const records = new RecordService(store);
  // Plugin code runs in these threads, never on the service's own; closed once no run works any more (see `stop`).
  const pluginThreads = new PluginThreads(logger.child({ component: 'plugin-threads' }), {
    maxThreads: config.pluginThreads,
    maxOldGenerationMb: config.pluginMaxOldGenerationMb,
    maxCrashes: config.itemMaxCrashes,
  });
  // A process that works on runs starts its first plugin thread now, beside the rest of start-up, and listens once it
  // is ready: otherwise the first run after a start waits hundreds of milliseconds for it, and later ones do not.
  const threadsStarted = config.runRole === 'api' ? undefined : pluginThreads.start();
  const invocations = new InvocationService({
    records,
    plugins,
    calls: pluginThreads,
    logger: logger.child({ component: 'invocation' }),
    limits: { timeoutMs: config.invocationTimeoutMs },
  });
  // Every path that makes a plugin run asks this one: requests, schedules, and the worker acting as a run's creator.
  const authorizer = new InvokeAuthorizer({
    definitions: store.definitions,
    runs: store.runs,
    options: { maxActivePerUser: config.maxActiveRunsPerUser },
  });
  const runLogger = logger.child({ component: 'runs' });
  const now = () => new Date();
  let dashboardAgenda: Agenda | undefined;
  const worker = new RunWorker({
    runs: store.runs,
    storeHealth: store.health,
    invocations,
    authorizer,
    callerIn,
    records,
    logger: runLogger,
    now,
    // `runs` is built below, before the executor starts and so before any progress.
    onProgress: (tenant, runId, run) => runs.progressed(tenant, runId, run),
    options: {
      concurrency: config.itemConcurrency,
      leaseMs: config.runLeaseMs,
      heartbeatMs: config.runHeartbeatMs,
      maxCrashes: config.itemMaxCrashes,
      logLines: config.runLogLines,
      maxItemsInFlight: config.maxItemsInFlight,
    },
  });
  const agendaBackend = agendaBackendFor(store, config.dataDir);
  const executor = new RunExecutor({
    backend: agendaBackend,
    notificationChannel: notificationChannelFor(store, runLogger, config.runPollMs),
    runs: store.runs,
    storeHealth: store.health,
    worker,
    logger: runLogger,
    options: {
      processEveryMs: config.runPollMs,
      lockLifetimeMs: config.runLockLifetimeMs,
      maxConcurrentRuns: config.maxConcurrentRuns,
      slotsPerRun: config.runSlotsPerRun,
      drainTimeoutMs: config.shutdownTimeoutMs,
      processRuns: config.runRole !== 'api',
      sweepEveryMs: config.runSweepMs,
    },
    defineJobs: (agenda) => {
      schedules.attach(agenda);
      retention.attach(agenda);
      dashboardAgenda = agenda;
    },
  });
  const runs = new RunService({
    runs: store.runs,
    invocations,
    authorizer,
    logger: runLogger,
    now,
    waker: executor,
    options: {
      maxItems: config.maxRunItems,
      syncWaitMs: config.invokeWaitMs,
      firstItems: config.runFirstItems,
      runOrder: config.runOrder,
      afterFailure: config.runAfterFailure,
    },
  });
  const resultLinks = new ResultLinkService({
    links: store.resultLinks,
    runs: store.runs,
    runService: runs,
    signer: new LinkSigner(linkKey),
    callerIn,
    now,
  });
  const schedules = new ScheduleService({
    schedules: store.schedules,
    runs,
    callerIn,
    definitionCsid: async (tenant, id) => (await store.definitions.get(tenant, id))?.csid,
    logger: logger.child({ component: 'schedules' }),
    now,
  });
  const retention = new RunRetention({
    runs: store.runs,
    retentionMs: config.runRetentionMs,
    purgeEveryMs: config.runPurgeEveryMs,
    logger: runLogger,
    now,
  });
  try {
    await executor.start();
  } catch (err) {
    await pluginThreads.close();
    await release();
    throw err;
  }
  watchAgendaFile(store, agendaBackend, config.dataDir);
  try {
    await retention.schedule();
  } catch (err) {
    await executor.stop();
    await pluginThreads.close();
    await release();
    throw err;
  }
  const health = async (): Promise<HealthReport> => {
    const problem = await store.health.check();
    return {
      status: problem === undefined ? 'ok' : 'unavailable',
      store: { engine: store.engine, ...(problem !== undefined && { problem }) },
      // /health is open to anyone: name the plugin file, not where the service is installed.
      plugins: {
        loaded: plugins.size,
        failed: plugins.failures().map((failure) => ({
          ...failure,
          file: path.relative(config.pluginsDir, failure.file),
          message: failure.message.replaceAll(config.pluginsDir + path.sep, ''),
        })),
      },
    };
  };
  const app = createApp(
    {
      definitions,
      records,
      runs,
      resultLinks,
      idempotency: new IdempotencyService(store.idempotency, {
        retentionMs: config.idempotencyRetentionMs,
        maxKeysPerUser: config.idempotencyMaxKeys,
      }),
      schedules,
      multiTenant: { runs, definitions: store.definitions, callerIn, logger: logger.child({ component: 'multitenant' }) },
      health,
      logger,
      auth: security.auth,
      admin: security.admin,
      oauth: {
        provider: oauthProvider,
        defaultClientId: CSPACE_UI_CLIENT_ID,
        redirectOrigins: signInOrigins,
      },
      ...(config.agendashPath !== undefined && dashboardAgenda !== undefined && { agendash: { path: config.agendashPath, agenda: dashboardAgenda } }),
    },
    {
      bodyLimit: config.bodyLimit,
      trustProxy: config.trustProxy,
      runRetentionMs: config.runRetentionMs,
      serveApi: config.runRole !== 'worker',
    },
  );

  await threadsStarted;
  const server = config.host === undefined ? app.listen(config.port) : app.listen(config.port, config.host);
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
  });
  try {
    await once(server, 'listening');
  } catch (err) {
    await executor.stop();
    await pluginThreads.close();
    await release();
    // A port in use or an address not on this machine is the operator's to fix, as a refused setting is.
    const { code } = err as NodeJS.ErrnoException;
    throw new ConfigError(`cannot listen on ${config.host ?? 'all interfaces'} port ${config.port}: ${code ?? (err as Error).message}`, { cause: err });
  }
  const { url, listening } = listeningAt(server.address() as AddressInfo);

  let stopping: Promise<void> | undefined;
  return {
    url,
    listening,
    storeEngine: store.engine,
    store,
    plugins,
    app,
    purgeRuns: () => retention.purgeNow(),
    stop() {
      stopping ??= (async () => {
        runs.beginShutdown();
        await closeServer(server, inFlight, config.shutdownTimeoutMs);
        await executor.stop();
        await pluginThreads.close();
        await release();
      })();
      return stopping;
    },
  };
}
