/**
 * Process entry point: configuration from the environment, the service, and signal handling.
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './log.js';
import { OAuthSettingsError } from './services/oauth/oauthSettingsError.js';
import { startService } from './service.js';

/** A setting the service refused (ADMIN_PASSWORD too short, a broken OAUTH_KEYS_FILE) is the operator's to fix: said in one line, exit 2. */
function refusedSetting(err: unknown): string | undefined {
  return err instanceof ConfigError || err instanceof OAuthSettingsError ? err.message : undefined;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const service = await startService(config, logger);
  logger.info(
    { url: service.url, store: service.storeEngine, pluginsDir: config.pluginsDir, pid: process.pid },
    `invocables listening on ${service.listening}`,
  );

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string, exitCode: number) => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      try {
        await service.stop();
        logger.info('stopped');
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        exitCode = 1;
      }
      process.exit(exitCode);
    })();
    return stopping;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  // A plugin that forgets to await a promise must not take the service down with it.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  // After an uncaught exception the process state is unknown: release everything and let the supervisor restart.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
}

main().catch((err: unknown) => {
  const refused = refusedSetting(err);
  if (refused !== undefined) {
    console.error(`invocables: ${refused}`);
    process.exit(2);
  }
  console.error('invocables failed to start:', err);
  process.exit(1);
});
