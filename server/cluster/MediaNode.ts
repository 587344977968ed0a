/**
 * A media node (ROLES=media): mediasoup and the live HLS pipelines of the
 * rooms placed on it, an internal HTTP API through which api instances
 * drive them (POST /rpc/<method>, a bearer key derived from the district's
 * secret; on a private address), a heartbeat in Redis with its load, and
 * the SFU's events relayed on a Redis channel to every api instance.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { SfuError, type MediasoupSfu, type MediasoupSfuEvents } from '../../media/mediasoup/MediasoupSfu.ts';
import type { NodeRegistry } from './NodeRegistry.ts';
import { callNode } from './nodeClient.ts';
import type { PeerOwners } from './PeerOwners.ts';
import { NODE_METHODS, type NodeApi } from './nodeApi.ts';
import { ignore } from '../../core/ignore.ts';

export const SFU_EVENTS_CHANNEL = 'sc:sfu-events';
export const SFU_EVENT_NAMES = ['producer', 'producer-closed', 'room-reset', 'speaker', 'levels'] as const;

/** One SFU event on the wire (Redis pub/sub): the node, the event and its arguments. */
export interface RelayedEvent {
  node: string;
  event: keyof MediasoupSfuEvents;
  args: unknown[];
}

export interface MediaNodeOptions {
  sfu: MediasoupSfu;
  api: NodeApi;
  /** Which api instance drives each peer (orphans of a dead instance are closed). */
  owners: PeerOwners;
  /** How long a peer may outlive its api instance unadopted (default 30 s). */
  orphanGraceMs?: number;
  registry: NodeRegistry;
  /** Publishes the SFU's events. */
  redis: Redis;
  key: string;
  host: string;
  port: number;
  /** How api instances reach the internal API (default http://host:port). */
  url?: string;
  maxLoad: number;
  /** Prometheus's bearer token for GET /metrics (METRICS_TOKEN). */
  metricsToken?: string;
  logger: Logger;
}

const MAX_BODY = 256 * 1024;

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}

export class MediaNode {
  /** Unique per start: a restarted node is a new node (its old rooms were lost with it). */
  readonly id = `mn_${crypto.randomBytes(6).toString('hex')}`;
  readonly #o: MediaNodeOptions;
  #server?: http.Server;
  #metrics?: { contentType: string; metrics(): Promise<string> };
  #timer?: NodeJS.Timeout;
  #sweep?: NodeJS.Timeout;
  #url = '';
  readonly #startedAt = new Date().toISOString();

  constructor(o: MediaNodeOptions) {
    this.#o = o;
  }

  get url(): string {
    return this.#url;
  }

  /** Serves GET /metrics on the internal address (Prometheus: METRICS_TOKEN or the node key as bearer). */
  serveMetrics(registry: { contentType: string; metrics(): Promise<string> }): void {
    this.#metrics = registry;
  }

  get api(): NodeApi {
    return this.#o.api;
  }

  async start(): Promise<void> {
    const { sfu, redis, logger } = this.#o;
    for (const event of SFU_EVENT_NAMES)
      sfu.on(event, (...args: unknown[]) => {
        const msg: RelayedEvent = { node: this.id, event, args };
        void redis
          .publish(SFU_EVENTS_CHANNEL, JSON.stringify(msg))
          .catch(ignore('an SFU event lost while Redis fails over', logger));
      });
    // A lesson bigger than one node: what the teacher starts (or stops) publishing later reaches the edges' pipes too.
    sfu.on('producer', (roomId, info) => {
      for (const edge of sfu.pipeKeys(roomId))
        void this.#toEdge(edge, async (url) => {
          const piped = await sfu.pipeConsume(roomId, edge, info.id);
          await callNode(url, this.#o.key, 'pipeProduce', [roomId, this.id, [piped]]);
        });
    });
    sfu.on('pipe-producer-closed', (roomId, edge, producerId) => {
      void this.#toEdge(edge, (url) =>
        callNode(url, this.#o.key, 'closePipedProducer', [roomId, this.id, producerId]),
      );
    });
    const server = http.createServer((req, res) => void this.#serve(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#o.port, this.#o.host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    this.#url =
      this.#o.url ?? `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
    await this.#beat();
    this.#timer = setInterval(
      () => void this.#beat().catch(ignore('a heartbeat missed while Redis fails over', logger)),
      Math.max(250, Math.floor(this.#o.registry.ttlMs / 3)),
    );
    const grace = this.#o.orphanGraceMs ?? 30_000;
    this.#sweep = setInterval(
      () =>
        void this.#o.owners
          .orphans(redis, (roomId, peerId) => !!sfu.peerInfo(roomId, peerId), grace)
          .then(async (orphans) => {
            for (const o of orphans) {
              logger.info(o, 'closing a connection whose api instance is gone');
              await sfu.closePeer(o.roomId, o.peerId);
            }
          })
          .catch(ignore('an orphan sweep while Redis fails over', logger)),
      Math.max(1000, Math.floor(grace / 3)),
    );
    logger.info({ node: this.id, url: this.#url }, 'media node is up');
  }

  async #toEdge(edge: string, run: (url: string) => Promise<unknown>): Promise<void> {
    try {
      const node = await this.#o.registry.get(edge);
      if (node) await run(node.url);
    } catch (err) {
      this.#o.logger.warn({ err, edge }, 'a pipe to another media node could not be updated');
    }
  }

  #beat(): Promise<void> {
    return this.#o.registry.heartbeat({
      id: this.id,
      url: this.#url,
      load: this.#o.sfu.peerCount,
      maxLoad: this.#o.maxLoad,
      startedAt: this.#startedAt,
    });
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/healthz')
      return send(200, { node: this.id, load: this.#o.sfu.peerCount });
    const auth = Buffer.from(req.headers.authorization ?? '');
    const bearer = (key: string) => {
      const want = Buffer.from(`Bearer ${key}`);
      return auth.length === want.length && crypto.timingSafeEqual(auth, want);
    };
    if (req.method === 'GET' && req.url === '/metrics' && this.#metrics) {
      if (!bearer(this.#o.key) && !(this.#o.metricsToken && bearer(this.#o.metricsToken)))
        return send(401, {
          error: { code: 'UNAUTHORIZED', message: 'Metrics need METRICS_TOKEN as a bearer token.' },
        });
      const text = await this.#metrics.metrics();
      res.writeHead(200, { 'content-type': this.#metrics.contentType }).end(text);
      return;
    }
    if (!bearer(this.#o.key))
      return send(401, { error: { code: 'UNAUTHORIZED', message: 'Wrong or missing media node key.' } });
    const method = /^\/rpc\/(\w+)$/.exec(req.url ?? '')?.[1];
    if (req.method !== 'POST' || !method || !NODE_METHODS.has(method))
      return send(404, { error: { code: 'NOT_FOUND', message: 'No such media node call.' } });
    try {
      const { args } = (await readJson(req)) as { args: unknown[] };
      if (!Array.isArray(args)) throw new TypeError('args must be an array');
      const fn = this.#o.api[method as keyof NodeApi] as (...a: unknown[]) => Promise<unknown>;
      send(200, { result: (await fn(...args)) ?? null });
    } catch (err) {
      if (err instanceof SfuError) return send(409, { error: { code: err.code, message: err.message } });
      if (err instanceof TypeError || err instanceof SyntaxError)
        return send(400, { error: { code: 'VALIDATION', message: err.message } });
      this.#o.logger.error({ err, method }, 'media node call failed');
      send(500, { error: { code: 'INTERNAL', message: 'The media node failed.' } });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#sweep);
    await this.#o.registry
      .remove(this.id)
      .catch(ignore('leaving the registry while Redis is away', this.#o.logger));
    const server = this.#server;
    if (server)
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
  }
}
