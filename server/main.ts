/** Entry point: config, logger, service, signals. */
import { loadConfigOrExit } from './config.ts';
import { createLogger } from './logger.ts';
import { startNode, startService } from './Service.ts';

const config = loadConfigOrExit();
const roles = [...config.ROLES].join(',');
const logger = createLogger(config.LOG_LEVEL, { roles });
// Without the api role: a media node and/or a transcode worker, no public HTTP.
const service = await (
  config.ROLES.has('api') ? startService(config, logger) : startNode(config, logger)
).catch((err: Error) => {
  logger.fatal({ err }, 'Skyclass could not start');
  process.exit(1);
});
if ('url' in service)
  console.error(`\n  Skyclass is running: ${service.url}  (demo accounts: see README.md)\n`);
else console.error(`\n  Skyclass node is running (${roles})\n`);

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
