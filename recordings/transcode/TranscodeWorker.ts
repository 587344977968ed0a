/**
 * Runs transcode jobs: in the server process by default, or alone on
 * other machines (`npm run worker`). Writes each step to the lesson
 * catalogue; the catalogue publishes every change for live pages.
 */
import { CLASS_VIDEO_MAX_SEC } from '../../contracts/lessons.ts';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProcessLogger } from '../../core/process/ProcessLogger.ts';
import { MediaError } from '../../core/ffmpeg/MediaError.ts';
import type { LessonStore } from '../catalogue/LessonStore.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import { CANCEL_CHANNEL, TRANSCODE_QUEUE, type TranscodeJobData } from './TranscodeQueue.ts';
import { transcodeLesson, type TranscodeProgress } from './transcodeLesson.ts';
import { ignore } from '../../core/ignore.ts';

export interface TranscodeWorkerOptions {
  connection: Redis;
  subscriber: Redis;
  lessons: LessonStore;
  storage: Storage;
  logger: ProcessLogger;
  workDir: string;
  concurrency: number;
  maxDurationSec: number;
  preset: string;
  lockDurationMs: number;
  ffmpeg?: string;
  ffprobe?: string;
}

export class TranscodeWorker {
  readonly worker: Worker<TranscodeJobData>;
  readonly #o: TranscodeWorkerOptions;
  #closing = false;

  constructor(o: TranscodeWorkerOptions) {
    this.#o = o;
    this.worker = new Worker<TranscodeJobData>(
      TRANSCODE_QUEUE,
      (job, token, signal) => this.#process(job, signal),
      {
        connection: o.connection,
        concurrency: o.concurrency,
        lockDuration: o.lockDurationMs,
        stalledInterval: Math.max(1000, Math.round(o.lockDurationMs / 2)),
        maxStalledCount: 2,
        autorun: true,
      },
    );
    this.worker.on('error', (err) => o.logger.error({ err }, 'transcode worker error'));
    this.worker.on('failed', (job, err) => o.logger.warn({ jobId: job?.id, err }, 'transcode job failed'));
    void o.subscriber
      .subscribe(CANCEL_CHANNEL)
      .catch(ignore('a subscription cut short by a shutdown', o.logger));
    o.subscriber.on('message', (channel, jobId) => {
      if (channel === CANCEL_CHANNEL && this.worker.cancelJob(jobId, 'cancelled by a teacher or admin')) {
        o.logger.info({ jobId }, 'transcode job cancelled');
      }
    });
  }

  async #process(job: Job<TranscodeJobData>, signal?: AbortSignal): Promise<void> {
    const { lessonId } = job.data;
    const { lessons, storage, logger } = this.#o;
    const log = logger.child({ jobId: job.id, lessonId });
    const lesson = await lessons.get(lessonId);
    if (!lesson) {
      log.info('lesson deleted before its transcode ran');
      return;
    }
    await lessons.update(lessonId, {
      status: 'processing',
      progress: { stage: 'probing', percent: 0 },
      attempts: job.attemptsMade + 1,
      error: undefined,
    });
    const work = path.join(this.#o.workDir, `${job.id}-${crypto.randomBytes(4).toString('hex')}`);
    await fsp.mkdir(work, { recursive: true });
    let lastWrite = 0;
    const onProgress = (p: TranscodeProgress) => {
      const now = Date.now();
      if (now - lastWrite < 500 && p.stage !== 'done') return;
      lastWrite = now;
      void job.updateProgress(p).catch(ignore('a progress write (the next one replaces it)', log));
      void lessons
        .update(lessonId, { progress: p }, { status: 'processing' })
        .catch(ignore('a progress write (the next one replaces it)', log));
    };
    try {
      const source = storage.localPath ? storage.localPath(lesson.source.key) : path.join(work, 'source');
      if (!storage.localPath) {
        const got = await storage.get(lesson.source.key);
        await pipeline(got.body, fs.createWriteStream(source));
      }
      const result = await transcodeLesson({
        lessonId,
        source,
        storage,
        workDir: work,
        logger: log,
        // A class-only video (微课) is short by definition.
        maxDurationSec: lesson.classId
          ? Math.min(CLASS_VIDEO_MAX_SEC, this.#o.maxDurationSec)
          : this.#o.maxDurationSec,
        preset: this.#o.preset,
        ffmpeg: this.#o.ffmpeg,
        ffprobe: this.#o.ffprobe,
        signal,
        onProgress,
      });
      await lessons.update(lessonId, {
        status: 'ready',
        durationSec: Math.round(result.durationSec * 10) / 10,
        masterKey: result.masterKey,
        posterKey: result.posterKey,
        renditions: result.renditions,
        progress: undefined,
        error: undefined,
        readyAt: new Date().toISOString(),
      });
      log.info({ renditions: result.renditions.length }, 'lesson ready');
    } catch (err) {
      if (this.#closing) {
        // This process is shutting down: the job goes back to the queue for another worker.
        await lessons.update(lessonId, { status: 'uploaded', progress: undefined });
        throw new Error('worker shut down during the transcode; it will be retried');
      }
      const e =
        err instanceof MediaError
          ? err
          : signal?.aborted
            ? new MediaError('TRANSCODE_CANCELLED')
            : new MediaError('TRANSCODE_FAILED', (err as Error).message);
      const attempts = job.opts.attempts ?? 1;
      const finalAttempt = e.permanent || job.attemptsMade + 1 >= attempts;
      log.warn(
        { err, code: e.code, detail: e.detail, attempt: job.attemptsMade + 1, attempts, finalAttempt },
        'transcode failed',
      );
      await lessons.update(lessonId, {
        ...(finalAttempt ? { status: 'failed' as const, progress: undefined } : {}),
        error: {
          code: e.code,
          message: finalAttempt
            ? e.message
            : `Converting the video failed; trying again automatically (attempt ${job.attemptsMade + 2} of ${attempts}).`,
        },
      });
      throw e.permanent ? new UnrecoverableError(`${e.code}: ${e.message}`) : e;
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  }

  /** Stops taking jobs; running transcodes are stopped and handed back to the queue. */
  async close(): Promise<void> {
    this.#closing = true;
    this.worker.cancelAllJobs('worker shutting down');
    await this.worker.close();
    await this.#o.subscriber
      .unsubscribe(CANCEL_CHANNEL)
      .catch(ignore('unsubscribing a closed connection', this.#o.logger));
  }
}
