/** npm run worker: a transcode worker alone, for other machines (same REDIS_URL and S3 storage). */
import { loadConfigOrExit } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startCore, startTranscodeWorker } from '../Core.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.LOG_LEVEL, { role: 'transcode-worker' });
if (!config.REDIS_URL)
  logger.warn(
    'REDIS_URL is not set: this worker uses the embedded Redis under DATA_DIR (only useful on the server machine)',
  );
const core = await startCore(config, logger);
const worker = startTranscodeWorker(core);
logger.info(
  { concurrency: config.TRANSCODE_CONCURRENCY, storage: config.storageDriver },
  'transcode worker ready',
);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal: sig }, 'worker shutting down; running jobs go back to the queue');
    void worker
      .close()
      .then(() => core.close())
      .then(() => process.exit(0));
  });
}
