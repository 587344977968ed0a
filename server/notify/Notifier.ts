/**
 * Notices to parents leave Skyclass through a delivery driver. In-app
 * delivery is the notice store itself (server/family/Notices.ts); a district
 * connects its SMS or WeChat gateway with the webhook driver: each notice to
 * each parent is one signed JSON POST, queued in BullMQ on the shared Redis
 * so it is retried with backoff and survives a restart of the instance that
 * queued it.
 */
import crypto from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/** What a gateway receives: one notice for one parent. */
export interface OutboundNotice {
  /** Unique per notice and parent: a gateway drops repeats by it (deliveries are at least once). */
  deliveryId: string;
  noticeId: string;
  kind: 'class' | 'absence';
  to: { parentId: string; username: string; displayName: string; phone?: string };
  child?: { id: string; displayName: string };
  className: string;
  title: string;
  body: string;
  /** Where the parent reads and acknowledges it in the web app. */
  link: string;
  createdAt: string;
}

/** A way out to parents' phones. */
export interface NotificationDriver {
  readonly name: string;
  send(n: OutboundNotice): Promise<void>;
}

/** Hands notices to the drivers; in-app only when there is none. */
export interface Notifier {
  notify(list: OutboundNotice[]): Promise<void>;
  close(): Promise<void>;
}

export const inAppOnly: Notifier = { notify: async () => undefined, close: async () => undefined };

export const SIGNATURE_HEADER = 'x-skyclass-signature';
export const DELIVERY_HEADER = 'x-skyclass-delivery';

/** The signature a gateway checks: sha256=HMAC-SHA256(secret, raw body), hex. */
export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs each notice as JSON, signed; any answer but 2xx (or no answer within the timeout) is a failure to retry. */
export class WebhookDriver implements NotificationDriver {
  readonly name = 'webhook';
  readonly #url: string;
  readonly #secret: string;
  readonly #timeoutMs: number;

  constructor(url: string, secret: string, timeoutMs = 10_000) {
    this.#url = url;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
  }

  async send(n: OutboundNotice): Promise<void> {
    const body = JSON.stringify(n);
    const res = await fetch(this.#url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signBody(this.#secret, body),
        [DELIVERY_HEADER]: n.deliveryId,
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`the gateway answered ${res.status}`);
  }
}

export const NOTIFY_QUEUE = 'skyclass-notify';

export interface QueuedNotifierOptions {
  /** Two connections for BullMQ (its own; maxRetriesPerRequest: null). */
  queueConnection: Redis;
  workerConnection: Redis;
  driver: NotificationDriver;
  logger: Logger;
  attempts?: number;
  backoffMs?: number;
}

/** BullMQ between the notice and the driver: retries with exponential backoff, at most `attempts` tries. */
export class QueuedNotifier implements Notifier {
  readonly #queue: Queue<OutboundNotice>;
  readonly #worker: Worker<OutboundNotice>;
  readonly #o: QueuedNotifierOptions;

  constructor(o: QueuedNotifierOptions) {
    this.#o = o;
    this.#queue = new Queue<OutboundNotice>(NOTIFY_QUEUE, { connection: o.queueConnection });
    this.#queue.on('error', () => undefined); // surfaced by the connection's own logger
    this.#worker = new Worker<OutboundNotice>(
      NOTIFY_QUEUE,
      (job: Job<OutboundNotice>) => o.driver.send(job.data),
      {
        connection: o.workerConnection,
        concurrency: 8,
      },
    );
    this.#worker.on('error', () => undefined);
    this.#worker.on('failed', (job, err) => {
      const final = !!job && job.attemptsMade >= (job.opts.attempts ?? 1);
      // The parent's phone and the notice text stay out of the log; the ids say enough.
      o.logger[final ? 'error' : 'warn'](
        { deliveryId: job?.id, driver: o.driver.name, attempt: job?.attemptsMade, err: err.message },
        final ? 'notice delivery failed for good' : 'notice delivery failed; will retry',
      );
    });
  }

  async notify(list: OutboundNotice[]): Promise<void> {
    if (list.length === 0) return;
    await this.#queue.addBulk(
      list.map((n) => ({
        name: n.kind,
        data: n,
        opts: {
          jobId: n.deliveryId,
          attempts: this.#o.attempts ?? 8,
          backoff: { type: 'exponential', delay: this.#o.backoffMs ?? 5000 },
          removeOnComplete: { age: 7 * 86400 },
          removeOnFail: { age: 30 * 86400 },
        },
      })),
    );
  }

  /** Jobs by state (tests and the duty console). */
  counts(): Promise<Record<string, number>> {
    return this.#queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  }

  async close(): Promise<void> {
    await this.#worker.close();
    await this.#queue.close();
    this.#o.workerConnection.disconnect();
    this.#o.queueConnection.disconnect();
  }
}
