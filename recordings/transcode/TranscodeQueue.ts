/**
 * The transcode job queue: BullMQ on the same Redis. Retries with
 * exponential backoff, stalled-job recovery (a job whose worker died is
 * taken up again), cancellation of waiting and running jobs.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const TRANSCODE_QUEUE = 'skyclass-transcode';
export const CANCEL_CHANNEL = 'sc:transcode:cancel';

export interface TranscodeJobData {
  lessonId: string;
}

export interface TranscodeQueueOptions {
  /** A connection for BullMQ (its own; BullMQ needs maxRetriesPerRequest: null). */
  connection: Redis;
  /** A normal connection for PUBLISH. */
  publisher: Redis;
  attempts: number;
  backoffMs?: number;
}

export class TranscodeQueue {
  readonly queue: Queue<TranscodeJobData>;
  readonly #publisher: Redis;
  readonly #attempts: number;
  readonly #backoffMs: number;

  constructor(o: TranscodeQueueOptions) {
    this.queue = new Queue<TranscodeJobData>(TRANSCODE_QUEUE, { connection: o.connection });
    this.queue.on('error', () => undefined); // connection errors surface through the connection's own logger
    this.#publisher = o.publisher;
    this.#attempts = o.attempts;
    this.#backoffMs = o.backoffMs ?? 5000;
  }

  /** Enqueues a transcode; the job id names the lesson and the run. */
  async enqueue(lessonId: string, run: number): Promise<string> {
    const jobId = `${lessonId}-${run}`;
    await this.queue.add(
      'transcode',
      { lessonId },
      {
        jobId,
        attempts: this.#attempts,
        backoff: { type: 'exponential', delay: this.#backoffMs },
        removeOnComplete: { age: 7 * 86400 },
        removeOnFail: { age: 30 * 86400 },
      },
    );
    return jobId;
  }

  /** Cancels a waiting job at once, or asks the worker running it to stop. Returns what happened. */
  async cancel(jobId: string): Promise<'removed' | 'signalled' | 'not-found'> {
    const job = await this.queue.getJob(jobId);
    if (!job) return 'not-found';
    const state = await job.getState();
    if (
      state === 'waiting' ||
      state === 'delayed' ||
      state === 'prioritized' ||
      state === 'waiting-children'
    ) {
      await job.remove();
      return 'removed';
    }
    if (state === 'active') {
      await this.#publisher.publish(CANCEL_CHANNEL, jobId);
      return 'signalled';
    }
    return 'not-found';
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
