/**
 * The media plane as an api instance sees it: every SFU call names a room,
 * the room's node comes from Redis (NodeRegistry, placed on first join), and
 * the call goes to that node — in this process when the node is this
 * process's own (ROLES=all), else over the node's internal HTTP API. The
 * nodes' SFU events arrive on a Redis channel and are emitted here, so the
 * signaling code listens to one emitter whatever node a room is on. A room
 * whose node stops its heartbeat gets a 'room-reset' (its browsers join
 * again and the room is placed on a live node).
 *
 * A lesson bigger than one node: a room's publishers stay on its origin
 * node; once the origin holds `roomShare` of the room's viewers, further
 * viewers join an edge node whose router receives the origin's producers
 * through mediasoup pipe transports (across hosts) with the same producer
 * ids, so the browser cannot tell. Viewers per node are counted in Redis
 * atomically, so viewers joining at the same moment do not all land on one
 * node.
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
import { callNode, nodeRefuses, NodeUnreachableError } from './nodeClient.ts';
import { API_INSTANCE_TTL_MS, heartbeatApiInstance } from './PeerOwners.ts';
import crypto from 'node:crypto';
import { ignore } from '../../core/ignore.ts';

export { NodeUnreachableError };

type Args<M extends NodeMethod> = Parameters<NodeApi[M]>;
type Result<M extends NodeMethod> = Awaited<ReturnType<NodeApi[M]>>;
/** The room-scoped calls: the first argument is the room. */
type RoomMethod = {
  [M in NodeMethod]: Args<M> extends [string, ...unknown[]] ? M : never;
}[NodeMethod];

const K = {
  edges: (roomId: string) => `sc:room-edges:${roomId}`,
  viewers: (roomId: string) => `sc:room-viewers:${roomId}`,
};

/** KEYS[1] the room's viewers per node; ARGV[1] share, ARGV[2..] nodes by preference: the first below the share takes the viewer. */
const RESERVE = `
for i = 2, #ARGV do
  local n = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  if n < tonumber(ARGV[1]) then
    redis.call('HINCRBY', KEYS[1], ARGV[i], 1)
    redis.call('EXPIRE', KEYS[1], 86400)
    return ARGV[i]
  end
end
return ''
`;

/** Where one browser connection (peer) of this instance is. */
interface PeerPlace {
  roomId: string;
  node: string;
  /** Counted among the node's viewers of the room. */
  counted: boolean;
}

export interface ClusterMediaOptions {
  registry: NodeRegistry;
  /** Room bookkeeping (edges, viewers per node). */
  redis: Redis;
  /** A connection for the SFU events channel (subscriber mode). */
  subscriber: Redis;
  /** The media nodes' internal API key. */
  key: string;
  /** A room's viewers per node before more go to another node (through a pipe). */
  roomShare: number;
  /** This process's own media node (ROLES includes media): called directly. */
  local?: MediaNode;
  /** /end when the lesson's node is gone: finish the playlists from the shared state and make the replay. */
  finishLive: (l: LiveLesson) => Promise<string | undefined>;
  logger: Logger;
  /** Timeout of one call to a node. */
  callTimeoutMs?: number;
}

export class ClusterMedia extends EventEmitter<MediasoupSfuEvents> {
  /** This api instance, as media nodes know it (the owner of its peers). */
  readonly instanceId = `api_${crypto.randomBytes(6).toString('hex')}`;
  readonly #o: ClusterMediaOptions;
  #beat?: NodeJS.Timeout;
  /** Rooms this instance drove, and their origin node (watched for loss). */
  readonly #known = new Map<string, string>();
  /** This instance's peers and the node each is on. */
  readonly #peers = new Map<string, PeerPlace>();
  /** Room specs seen here (an edge node makes the same room). */
  readonly #specs = new Map<string, RoomSpec>();
  /** Pipes being made (room|edge), so this instance makes each once at a time. */
  readonly #piping = new Map<string, Promise<void>>();
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
    const beat = () =>
      heartbeatApiInstance(this.#o.redis, this.instanceId).catch(
        ignore('an api heartbeat while Redis fails over', logger),
      );
    await beat();
    this.#beat = setInterval(() => void beat(), API_INSTANCE_TTL_MS / 4);
    this.#timer = setInterval(
      () => void this.#watch().catch(ignore('a node check while Redis fails over', logger)),
      Math.max(250, Math.floor(registry.ttlMs / 3)),
    );
  }

  /**
   * Rooms whose origin, or an edge of this instance's viewers, is lost are reset: their browsers join
   * again. Lost: its heartbeat stopped (3 s), or — at once — its internal address refuses connections
   * (the process died; probed every cycle for the nodes this instance uses).
   */
  async #watch(): Promise<void> {
    if (this.#known.size === 0) return;
    const nodes = await this.#o.registry.alive();
    const used = new Set([...this.#known.values(), ...[...this.#peers.values()].map((p) => p.node)]);
    const local = this.#o.local?.id;
    const alive = new Set(nodes.map((n) => n.id));
    await Promise.all(
      nodes
        .filter((n) => used.has(n.id) && n.id !== local)
        .map(async (n) => {
          if (!(await nodeRefuses(n.url))) return;
          alive.delete(n.id);
          await this.#nodeLost(n.id);
        }),
    );
    // Rooms ended or moved through another instance: forget them (or follow the move).
    const rooms = [...this.#known.keys()];
    const placed = await Promise.all(rooms.map((r) => this.#o.registry.placement(r)));
    rooms.forEach((r, i) => {
      if (!placed[i]) this.#known.delete(r);
      else if (placed[i] !== this.#known.get(r) && alive.has(placed[i]!)) this.#known.set(r, placed[i]!);
    });
    const lostEdge = new Map<string, string>();
    for (const p of this.#peers.values()) if (!alive.has(p.node)) lostEdge.set(p.roomId, p.node);
    for (const [roomId, nodeId] of [...this.#known]) {
      const lost = alive.has(nodeId) ? lostEdge.get(roomId) : nodeId;
      if (!lost) continue;
      this.#known.delete(roomId);
      if (lost !== nodeId) {
        await this.#o.redis.srem(K.edges(roomId), lost);
        await this.#o.redis.hdel(K.viewers(roomId), lost);
      }
      this.#o.logger.warn(
        { roomId, node: lost },
        'media node lost: its room is placed again on the next join',
      );
      this.emit('room-reset', roomId);
    }
  }

  /** A node whose process is gone: out of the registry now (its rooms are reset by the next watch). */
  async #nodeLost(nodeId: string): Promise<void> {
    this.#o.logger.warn({ node: nodeId }, 'media node refuses connections: taken out of the registry');
    await this.#o.registry.remove(nodeId, true);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    clearInterval(this.#beat);
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
    try {
      return await callNode<Result<M>>(node.url, this.#o.key, method, args, this.#o.callTimeoutMs);
    } catch (err) {
      if (err instanceof NodeUnreachableError) {
        this.#o.logger.warn({ node: node.id, method }, 'media node not reachable');
        if (err.refused) {
          await this.#nodeLost(node.id);
          void this.#watch().catch(ignore('a node check while Redis fails over', this.#o.logger));
        }
      } else if (!(err instanceof SfuError) && !(err instanceof TypeError)) {
        this.#o.logger.error({ err, node: node.id, method }, 'media node call failed');
        throw new AppError('INTERNAL', 'The video server failed. Try again in a moment.');
      }
      throw err;
    }
  }

  /** A call on the room's origin node; the room must be placed (joined) first. */
  async #onRoom<M extends RoomMethod>(method: M, ...args: Args<M>): Promise<Result<M>> {
    const node = await this.nodeOf(args[0] as string);
    if (!node) throw new SfuError('NOT_FOUND', 'This room is not open on a video server now; join again.');
    return this.#call(node, method, args);
  }

  /** A call for one peer (the second argument): on the node that peer joined, its room's origin or an edge. */
  async #onPeer<M extends RoomMethod>(method: M, ...args: Args<M>): Promise<Result<M>> {
    const place = this.#peers.get(args[1] as string);
    if (!place) return this.#onRoom(method, ...args);
    const node = await this.#o.registry.get(place.node);
    if (!node) throw new SfuError('NOT_FOUND', 'The video server of this connection is gone; join again.');
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
    this.#specs.set(spec.id, spec);
    try {
      await this.#call(node, 'ensureRoom', [spec]);
    } catch (err) {
      // Its node just died (the registry no longer lists it): place the room on a live one.
      if (!(err instanceof NodeUnreachableError && err.refused)) throw err;
      node = await this.#o.registry.place(spec.id);
      this.#known.set(spec.id, node.id);
      await this.#call(node, 'ensureRoom', [spec]);
    }
  }

  /**
   * Places a browser connection of the room: publishers (and side-room members) on the origin;
   * a viewer on the origin while it has fewer than `roomShare` of the room's viewers, else on an
   * edge node (one the room already has first) that receives the origin's producers through a pipe.
   */
  async joinPeer(roomId: string, peerId: string, viewer: boolean): Promise<string> {
    const origin = await this.nodeOf(roomId);
    if (!origin) throw new SfuError('NOT_FOUND', 'This room is not open on a video server now; join again.');
    if (!viewer) {
      await this.#call(origin, 'claimPeer', [roomId, peerId, this.instanceId]);
      this.#peers.set(peerId, { roomId, node: origin.id, counted: false });
      return origin.id;
    }
    const [alive, edges] = await Promise.all([
      this.#o.registry.alive(),
      this.#o.redis.smembers(K.edges(roomId)),
    ]);
    const others = alive
      .filter((n) => n.id !== origin.id && n.load < n.maxLoad)
      .sort(
        (a, b) =>
          Number(edges.includes(b.id)) - Number(edges.includes(a.id)) ||
          a.load / a.maxLoad - b.load / b.maxLoad,
      );
    const chosen = (await this.#o.redis.eval(
      RESERVE,
      1,
      K.viewers(roomId),
      String(this.#o.roomShare),
      origin.id,
      ...others.map((n) => n.id),
    )) as string;
    const edge = others.find((n) => n.id === chosen);
    if (edge) {
      try {
        await this.#pipeTo(roomId, origin, edge);
      } catch (err) {
        await this.#o.redis.hincrby(K.viewers(roomId), edge.id, -1);
        throw err;
      }
    }
    // Every node full: the origin takes the viewer anyway (uncounted) rather than turning it away.
    const node = edge ?? origin;
    await this.#call(node, 'claimPeer', [roomId, peerId, this.instanceId]);
    this.#peers.set(peerId, { roomId, node: node.id, counted: !!chosen });
    return node.id;
  }

  /**
   * Takes over a connection another api instance drove (it died; the page reconnected here): finds
   * the peer on the room's origin or an edge, checks it is this user's, and returns its producers.
   */
  async adoptPeer(roomId: string, peerId: string, userId: string): Promise<Result<'adoptPeer'>> {
    const origin = await this.nodeOf(roomId);
    if (!origin) throw new SfuError('NOT_FOUND', 'This room is not open on a video server now; join again.');
    for (const node of [origin, ...(await this.#edges(roomId))]) {
      try {
        const producers = await this.#call(node, 'adoptPeer', [roomId, peerId, userId, this.instanceId]);
        this.#peers.set(peerId, { roomId, node: node.id, counted: false });
        return producers;
      } catch (err) {
        if (!(err instanceof SfuError)) throw err;
      }
    }
    throw new SfuError('NOT_FOUND', 'Unknown connection; join again.');
  }

  /** Forgets a connection (after closePeer): its place among the node's viewers is free again. */
  async leavePeer(peerId: string): Promise<void> {
    const place = this.#peers.get(peerId);
    this.#peers.delete(peerId);
    if (place?.counted) await this.#o.redis.hincrby(K.viewers(place.roomId), place.node, -1);
  }

  /** The room on an edge node, fed from the origin through a pipe (every step idempotent on the nodes). */
  #pipeTo(roomId: string, origin: MediaNodeInfo, edge: MediaNodeInfo): Promise<void> {
    const key = `${roomId}|${edge.id}`;
    let p = this.#piping.get(key);
    if (!p) {
      p = (async () => {
        const spec = this.#specs.get(roomId);
        if (!spec) throw new SfuError('NOT_FOUND', 'This room is not open here; join again.');
        await this.#call(edge, 'ensureRoom', [spec]);
        const e = await this.#call(edge, 'openPipe', [roomId, origin.id]);
        const o = await this.#call(origin, 'openPipe', [roomId, edge.id]);
        await this.#call(origin, 'connectPipe', [roomId, edge.id, e]);
        await this.#call(edge, 'connectPipe', [roomId, origin.id, o]);
        // Producers that appear later are piped by the origin node itself (MediaNode).
        const producers = await this.#call(origin, 'pipeAll', [roomId, edge.id]);
        await this.#call(edge, 'pipeProduce', [roomId, origin.id, producers]);
        await this.#o.redis.multi().sadd(K.edges(roomId), edge.id).expire(K.edges(roomId), 86400).exec();
      })().finally(() => this.#piping.delete(key));
      this.#piping.set(key, p);
    }
    return p;
  }

  /** The room's edge nodes alive now. */
  async #edges(roomId: string): Promise<MediaNodeInfo[]> {
    const ids = await this.#o.redis.smembers(K.edges(roomId));
    const nodes = await Promise.all(ids.map((id) => this.#o.registry.get(id)));
    return nodes.filter((n): n is MediaNodeInfo => !!n);
  }

  /** Closes the room on its edges and forgets its bookkeeping. */
  async #dropEdges(roomId: string): Promise<void> {
    for (const edge of await this.#edges(roomId))
      await this.#call(edge, 'destroyRoom', [roomId]).catch(ignore('an edge going away', this.#o.logger));
    await this.#o.redis.del(K.edges(roomId), K.viewers(roomId));
    this.#specs.delete(roomId);
  }

  async destroyRoom(roomId: string): Promise<void> {
    const node = await this.nodeOf(roomId);
    this.#known.delete(roomId);
    await this.#dropEdges(roomId);
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
  openTransport = (...a: Args<'openTransport'>) => this.#onPeer('openTransport', ...a);
  connectTransport = (...a: Args<'connectTransport'>) => this.#onPeer('connectTransport', ...a);
  produce = (...a: Args<'produce'>) => this.#onPeer('produce', ...a);
  closeProducer = (...a: Args<'closeProducer'>) => this.#onPeer('closeProducer', ...a);
  consume = (...a: Args<'consume'>) => this.#onPeer('consume', ...a);
  resumeConsumer = (...a: Args<'resumeConsumer'>) => this.#onPeer('resumeConsumer', ...a);
  setLayer = (...a: Args<'setLayer'>) => this.#onPeer('setLayer', ...a);

  /** Caps a user's connections in the room, on its origin and its edges. */
  async limitUser(...a: Args<'limitUser'>): Promise<void> {
    await this.#onRoom('limitUser', ...a);
    for (const edge of await this.#edges(a[0])) await this.#call(edge, 'limitUser', a);
  }

  /** Closes a peer where it is; a peer whose node is gone is gone with it. */
  async closePeer(roomId: string, peerId: string): Promise<void> {
    const place = this.#peers.get(peerId);
    const node = place ? await this.#o.registry.get(place.node) : await this.nodeOf(roomId);
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
    await this.#dropEdges(l.roomId);
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
