/** Entry point: config, logger, service, signals. */
import { loadConfigOrExit } from './config.ts';
import { createLogger } from './logger.ts';
import { startService } from './Service.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL);
const service = await startService(config, logger).catch((err: Error) => {
  logger.fatal({ err }, 'Skyclass could not start');
  process.exit(1);
});
console.error(`\n  Skyclass is running: ${service.url}  (demo accounts: see README.md)\n`);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
