/**
 * The channels' head-end outputs (MPEG-TS over UDP/SRT to cable and IPTV
 * operators), configured in Redis and run by exactly one instance: the
 * scheduler's leader. Each output is a supervised ffmpeg (restarted after a
 * crash); when leadership moves, the new leader starts them and the old one
 * stops them. Configuration changes reach the leader over Redis pub/sub.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { ManagedProcess } from '../../core/process/ManagedProcess.ts';
import { Supervisor } from '../../core/process/Supervisor.ts';
import { ignore } from '../../core/ignore.ts';
import {
  headEndArgs,
  parseOutputUrl,
  redactOutputUrl,
  type DestinationAllowList,
} from '../../media/channel/headEnd.ts';
import { channelName } from '../timetable/epg.ts';

const K = {
  outputs: 'sc:channel-outputs',
  status: 'sc:channel-output-status',
  changed: 'sc:channel-outputs-changed',
};

export interface OutputConfig {
  channel: string;
  url: string;
  by: string;
  at: string;
}

export interface OutputStatus {
  state: 'running' | 'restarting' | 'stopped';
  since: string;
  restarts: number;
  /** Why it is not running (never a secret). */
  error?: string;
}

/** The configured outputs (any instance). */
export class OutputStore {
  readonly #redis: Redis;
  static readonly CHANGED = K.changed;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async list(): Promise<OutputConfig[]> {
    const all = await this.#redis.hgetall(K.outputs);
    return Object.values(all).map((v) => JSON.parse(v) as OutputConfig);
  }

  async get(channel: string): Promise<(OutputConfig & { status?: OutputStatus }) | undefined> {
    const [v, st] = await Promise.all([
      this.#redis.hget(K.outputs, channel),
      this.#redis.hget(K.status, channel),
    ]);
    if (!v) return undefined;
    return { ...(JSON.parse(v) as OutputConfig), ...(st ? { status: JSON.parse(st) as OutputStatus } : {}) };
  }

  async set(o: OutputConfig): Promise<void> {
    parseOutputUrl(o.url); // never store what ffmpeg could not use
    await this.#redis
      .multi()
      .hset(K.outputs, o.channel, JSON.stringify(o))
      .publish(K.changed, o.channel)
      .exec();
  }

  async remove(channel: string): Promise<void> {
    await this.#redis
      .multi()
      .hdel(K.outputs, channel)
      .hdel(K.status, channel)
      .publish(K.changed, channel)
      .exec();
  }

  async setStatus(channel: string, s: OutputStatus): Promise<void> {
    await this.#redis.hset(K.status, channel, JSON.stringify(s));
  }
}

export interface HeadEndsOptions {
  store: OutputStore;
  /** This instance's own base URL (the ffmpeg reads the channel from it). */
  baseUrl: () => string;
  /** The rendition sent to operators (default 720p), or a function choosing it per channel when it starts. */
  rendition?: string;
  renditionFor?: (channel: string) => Promise<string>;
  logger: Logger;
  ffmpeg?: string;
  /** Where outputs may go (HEAD_END_ALLOWED); a stored output outside it is not started. */
  allowed?: DestinationAllowList;
}

interface Running {
  url: string;
  supervisor: Supervisor;
  restarts: number;
}

export class HeadEnds {
  readonly #o: HeadEndsOptions;
  readonly #running = new Map<string, Running>();
  #active = false;
  #reconciling: Promise<void> = Promise.resolve();

  constructor(o: HeadEndsOptions) {
    this.#o = o;
  }

  /** Leader: run the configured outputs. Follower: run none. */
  setActive(active: boolean): void {
    this.#active = active;
    this.reconcile();
  }

  /** Brings the running outputs in line with the configuration (serialised). */
  reconcile(): Promise<void> {
    this.#reconciling = this.#reconciling
      .then(() => this.#reconcile())
      .catch((err: Error) => this.#o.logger.warn({ err }, 'head-end outputs could not be updated'));
    return this.#reconciling;
  }

  async #reconcile(): Promise<void> {
    const wanted = this.#active ? await this.#o.store.list() : [];
    const byChannel = new Map(wanted.map((w) => [w.channel, w]));
    for (const [ch, r] of this.#running) {
      if (byChannel.get(ch)?.url !== r.url) {
        this.#running.delete(ch);
        await r.supervisor.stop();
        if (this.#active)
          await this.#o.store.setStatus(ch, {
            state: 'stopped',
            since: new Date().toISOString(),
            restarts: r.restarts,
          });
      }
    }
    for (const w of wanted) {
      if (this.#running.has(w.channel)) continue;
      try {
        await this.#start(w);
      } catch (err) {
        this.#o.logger.warn(
          { channel: w.channel, err: redactOutputUrl((err as Error).message) },
          'head-end output not started',
        );
        await this.#o.store.setStatus(w.channel, {
          state: 'stopped',
          since: new Date().toISOString(),
          restarts: 0,
          error: redactOutputUrl((err as Error).message),
        });
      }
    }
  }

  async #start(w: OutputConfig): Promise<void> {
    const target = parseOutputUrl(w.url, this.#o.allowed);
    const base = `${this.#o.baseUrl()}/channels/${w.channel}`;
    const grade = Number(w.channel.replace('grade-', ''));
    const log = this.#o.logger.child({ component: 'head-end', channel: w.channel });
    const rendition = this.#o.renditionFor
      ? await this.#o.renditionFor(w.channel)
      : (this.#o.rendition ?? '720p');
    const run: Running = {
      url: w.url,
      restarts: 0,
      supervisor: new Supervisor({
        name: `head-end ${w.channel}`,
        logger: log,
        initialBackoffMs: 500,
        maxBackoffMs: 10_000,
        create: () =>
          new ManagedProcess({
            name: `head-end ${w.channel}`,
            command: this.#o.ffmpeg ?? 'ffmpeg',
            args: headEndArgs(
              `${base}/${rendition}/index.m3u8`,
              `${base}/audio/index.m3u8`,
              target,
              channelName(grade),
            ),
            logger: log,
            redact: redactOutputUrl,
            readyProbe: async () => true,
            startTimeoutMs: 5000,
            stopInput: 'q',
            stopTimeoutMs: 3000,
          }),
      }),
    };
    this.#running.set(w.channel, run);
    run.supervisor.on('crashed', (count) => {
      run.restarts = count;
      void this.#o.store
        .setStatus(w.channel, {
          state: 'restarting',
          since: new Date().toISOString(),
          restarts: count,
        })
        .catch(ignore('a head-end status while Redis fails over', this.#o.logger));
    });
    run.supervisor.on('started', () => {
      void this.#o.store
        .setStatus(w.channel, {
          state: 'running',
          since: new Date().toISOString(),
          restarts: run.restarts,
        })
        .catch(ignore('a head-end status while Redis fails over', this.#o.logger));
    });
    await run.supervisor.start();
    log.info({ target: redactOutputUrl(target.url) }, 'head-end output started');
  }

  async close(): Promise<void> {
    this.#active = false;
    await this.reconcile();
  }
}
