/**
 * The media plane as an api instance sees it: every SFU call names a room,
 * the room's node comes from Redis (NodeRegistry, placed on first join), and
 * the call goes to that node — in this process when the node is this
 * process's own (ROLES=all), else over the node's internal HTTP API. The
 * nodes' SFU events arrive on a Redis channel and are emitted here, so the
 * signaling code listens to one emitter whatever node a room is on. A room
 * whose node stops its heartbeat gets a 'room-reset' (its browsers join
 * again and the room is placed on a live node).
 */
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { AppError } from '../errors.ts';
import { SfuError, type MediasoupSfuEvents } from '../../media/mediasoup/MediasoupSfu.ts';
import type { RoomSpec } from '../../media/sfu/Sfu.ts';
import type { LiveLesson } from '../live/LiveLesson.ts';
import { NoMediaNodeError, type MediaNodeInfo, type NodeRegistry } from './NodeRegistry.ts';
import type { NodeApi, NodeMethod } from './nodeApi.ts';
import { SFU_EVENTS_CHANNEL, type MediaNode, type RelayedEvent } from './MediaNode.ts';
import { ignore } from '../../core/ignore.ts';

type Args<M extends NodeMethod> = Parameters<NodeApi[M]>;
type Result<M extends NodeMethod> = Awaited<ReturnType<NodeApi[M]>>;
/** The room-scoped calls: the first argument is the room. */
type RoomMethod = {
  [M in NodeMethod]: Args<M> extends [string, ...unknown[]] ? M : never;
}[NodeMethod];

export interface ClusterMediaOptions {
  registry: NodeRegistry;
  /** A connection for the SFU events channel (subscriber mode). */
  subscriber: Redis;
  /** The media nodes' internal API key. */
  key: string;
  /** This process's own media node (ROLES includes media): called directly. */
  local?: MediaNode;
  /** /end when the lesson's node is gone: finish the playlists from the shared state and make the replay. */
  finishLive: (l: LiveLesson) => Promise<string | undefined>;
  logger: Logger;
  /** Timeout of one call to a node. */
  callTimeoutMs?: number;
}

export class NodeUnreachableError extends AppError {
  constructor() {
    super('NOT_READY', 'The video server of this room is not reachable. The page reconnects in a moment.');
  }
}

export class ClusterMedia extends EventEmitter<MediasoupSfuEvents> {
  readonly #o: ClusterMediaOptions;
  /** Rooms this instance drove, and their node (watched for loss). */
  readonly #known = new Map<string, string>();
  #timer?: NodeJS.Timeout;

  constructor(o: ClusterMediaOptions) {
    super();
    this.#o = o;
  }

  async start(): Promise<void> {
    const { subscriber, logger, registry } = this.#o;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== SFU_EVENTS_CHANNEL) return;
      let m: RelayedEvent;
      try {
        m = JSON.parse(message) as RelayedEvent;
      } catch {
        return;
      }
      (this.emit as (e: string, ...a: unknown[]) => boolean)(m.event, ...m.args);
    });
    await subscriber.subscribe(SFU_EVENTS_CHANNEL);
    this.#timer = setInterval(
      () => void this.#watch().catch(ignore('a node check while Redis fails over', logger)),
      Math.max(250, Math.floor(registry.ttlMs / 3)),
    );
  }

  /** Rooms on a node that stopped its heartbeat are reset: their browsers join again elsewhere. */
  async #watch(): Promise<void> {
    if (this.#known.size === 0) return;
    const alive = new Set((await this.#o.registry.alive()).map((n) => n.id));
    for (const [roomId, nodeId] of [...this.#known]) {
      if (alive.has(nodeId)) continue;
      this.#known.delete(roomId);
      this.#o.logger.warn(
        { roomId, node: nodeId },
        'media node lost: its room is placed again on the next join',
      );
      this.emit('room-reset', roomId);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#o.subscriber
      .unsubscribe(SFU_EVENTS_CHANNEL)
      .catch(ignore('unsubscribing at close', this.#o.logger));
  }

  /** Which node holds the room now (undefined: not placed, or its node is gone). */
  async nodeOf(roomId: string): Promise<MediaNodeInfo | undefined> {
    const id = await this.#o.registry.placement(roomId);
    const node = id ? await this.#o.registry.get(id) : undefined;
    if (node) this.#known.set(roomId, node.id);
    return node;
  }

  async #call<M extends NodeMethod>(node: MediaNodeInfo, method: M, args: Args<M>): Promise<Result<M>> {
    const local = this.#o.local;
    if (local && node.id === local.id)
      return (local.api[method] as (...a: unknown[]) => Promise<Result<M>>)(...args);
    let res: Response;
    try {
      res = await fetch(`${node.url}/rpc/${method}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#o.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ args }),
        signal: AbortSignal.timeout(this.#o.callTimeoutMs ?? 10_000),
      });
    } catch (err) {
      this.#o.logger.warn({ err, node: node.id, method }, 'media node not reachable');
      throw new NodeUnreachableError();
    }
    const body = (await res.json().catch(() => ({}))) as {
      result?: Result<M>;
      error?: { code: string; message: string };
    };
    if (res.ok) return body.result as Result<M>;
    const e = body.error ?? { code: 'INTERNAL', message: `media node answered ${res.status}` };
    if (res.status === 409) throw new SfuError(e.code as 'NOT_FOUND' | 'CONFLICT', e.message);
    if (res.status === 400) throw new TypeError(e.message);
    this.#o.logger.error({ node: node.id, method, status: res.status, error: e }, 'media node call failed');
    throw new AppError('INTERNAL', 'The video server failed. Try again in a moment.');
  }

  /** A call on the room's node; the room must be placed (joined) first. */
  async #onRoom<M extends RoomMethod>(method: M, ...args: Args<M>): Promise<Result<M>> {
    const node = await this.nodeOf(args[0] as string);
    if (!node) throw new SfuError('NOT_FOUND', 'This room is not open on a video server now; join again.');
    return this.#call(node, method, args);
  }

  async ensureRoom(spec: RoomSpec): Promise<void> {
    let node: MediaNodeInfo;
    try {
      node = await this.#o.registry.place(spec.id);
    } catch (err) {
      if (err instanceof NoMediaNodeError)
        throw new AppError('NOT_READY', 'No video server is available right now. Try again in a minute.');
      throw err;
    }
    this.#known.set(spec.id, node.id);
    await this.#call(node, 'ensureRoom', [spec]);
  }

  async destroyRoom(roomId: string): Promise<void> {
    const node = await this.nodeOf(roomId);
    this.#known.delete(roomId);
    if (!node) return;
    await this.#call(node, 'destroyRoom', [roomId]).catch(
      ignore('a room on a node going away', this.#o.logger),
    );
    await this.#o.registry.unplace(roomId, node.id);
  }

  async participants(roomId: string): Promise<Result<'participants'>> {
    const node = await this.nodeOf(roomId);
    return node ? this.#call(node, 'participants', [roomId]) : [];
  }

  rtpCapabilities = (...a: Args<'rtpCapabilities'>) => this.#onRoom('rtpCapabilities', ...a);
  producers = (...a: Args<'producers'>) => this.#onRoom('producers', ...a);
  openTransport = (...a: Args<'openTransport'>) => this.#onRoom('openTransport', ...a);
  connectTransport = (...a: Args<'connectTransport'>) => this.#onRoom('connectTransport', ...a);
  produce = (...a: Args<'produce'>) => this.#onRoom('produce', ...a);
  closeProducer = (...a: Args<'closeProducer'>) => this.#onRoom('closeProducer', ...a);
  consume = (...a: Args<'consume'>) => this.#onRoom('consume', ...a);
  resumeConsumer = (...a: Args<'resumeConsumer'>) => this.#onRoom('resumeConsumer', ...a);
  setLayer = (...a: Args<'setLayer'>) => this.#onRoom('setLayer', ...a);
  limitUser = (...a: Args<'limitUser'>) => this.#onRoom('limitUser', ...a);

  /** Closes a peer; a peer whose node is gone is gone with it. */
  async closePeer(roomId: string, peerId: string): Promise<void> {
    const node = await this.nodeOf(roomId);
    if (node)
      await this.#call(node, 'closePeer', [roomId, peerId]).catch((err: Error) => {
        if (!(err instanceof NodeUnreachableError)) throw err;
      });
  }

  async hlsPublished(l: LiveLesson, publisherId: string): Promise<void> {
    const node = await this.nodeOf(l.roomId);
    if (node) await this.#call(node, 'hlsPublished', [l, publisherId]);
  }

  async hlsSource(l: LiveLesson, publisherId: string, source: 'camera' | 'screen'): Promise<void> {
    const node = await this.nodeOf(l.roomId);
    if (node) await this.#call(node, 'hlsSource', [l, publisherId, source]);
  }

  /**
   * Ends a live lesson from any api instance: its node ends the pipeline, finishes the playlists and
   * makes the replay; when the node is gone, the playlists are finished here from the shared state.
   */
  async endLive(l: LiveLesson): Promise<string | undefined> {
    const node = await this.nodeOf(l.roomId);
    this.#known.delete(l.roomId);
    if (node) {
      try {
        const replay = await this.#call(node, 'endLive', [l]);
        await this.#o.registry.unplace(l.roomId, node.id);
        return replay ?? undefined;
      } catch (err) {
        this.#o.logger.warn(
          { err, lessonId: l.id },
          'the lesson’s media node could not end it; finishing here',
        );
      }
    }
    return this.#o.finishLive(l);
  }
}

export type MediaPlane = ClusterMedia;
