/**
 * Media nodes and room placement in Redis (after LiveKit's node selector and
 * OvenMediaEngine's origin map): each media node refreshes a short-lived key
 * with its internal address and load; a room (a live lesson, a class side
 * room) is placed on the least-loaded live node below its limit, recorded
 * with compare-and-set so two api instances never place one room twice; a
 * room whose node stopped refreshing is placed again on its next join.
 */
import type { Redis } from 'ioredis';

export interface MediaNodeInfo {
  id: string;
  /** The node's internal API (private address). */
  url: string;
  /** WebRTC connections now, and the most it takes before new rooms go elsewhere. */
  load: number;
  maxLoad: number;
  startedAt: string;
}

const K = {
  node: (id: string) => `sc:media-node:${id}`,
  nodes: 'sc:media-nodes',
  /** Every node's last heartbeat (ms), kept after it stops: a node that vanished without leaving is "lost". */
  seen: 'sc:media-nodes:seen',
  place: (roomId: string) => `sc:room-node:${roomId}`,
};

/** Room placements outlive any lesson; a dead node's are replaced on the next join. */
const PLACEMENT_TTL_SEC = 24 * 3600;

/** KEYS[1] placement; ARGV[1] the node it should be, ARGV[2] what it must be now ('' = none). */
const CAS = `
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[2] then return cur end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return ARGV[1]
`;

/** KEYS[1] placement; ARGV[1] node: removes the placement only if it is still that node's. */
const UNPLACE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export class NoMediaNodeError extends Error {
  constructor() {
    super('No media node is available (all are full or none is running).');
    this.name = 'NoMediaNodeError';
  }
}

export class NodeRegistry {
  readonly #redis: Redis;
  /** A node missing this long is lost. */
  readonly ttlMs: number;

  constructor(redis: Redis, o: { ttlMs?: number } = {}) {
    this.#redis = redis;
    this.ttlMs = o.ttlMs ?? 3000;
  }

  async heartbeat(info: MediaNodeInfo): Promise<void> {
    await this.#redis
      .multi()
      .set(K.node(info.id), JSON.stringify(info), 'PX', this.ttlMs)
      .sadd(K.nodes, info.id)
      .hset(K.seen, info.id, String(Date.now()))
      .exec();
  }

  /** A node leaving (a clean stop, or taken out after it refused connections: `lost`). */
  async remove(id: string, lost = false): Promise<void> {
    const m = this.#redis.multi().del(K.node(id)).srem(K.nodes, id);
    if (!lost) m.hdel(K.seen, id);
    await m.exec();
  }

  /** Nodes that stopped their heartbeat without leaving, within `windowMs`: id → last heartbeat (ms). */
  async lost(windowMs: number, now = Date.now()): Promise<{ id: string; lastSeen: number }[]> {
    const seen = await this.#redis.hgetall(K.seen);
    const alive = new Set((await this.alive()).map((n) => n.id));
    const out: { id: string; lastSeen: number }[] = [];
    const forget: string[] = [];
    for (const [id, at] of Object.entries(seen)) {
      if (alive.has(id)) continue;
      if (now - Number(at) > windowMs) forget.push(id);
      else out.push({ id, lastSeen: Number(at) });
    }
    if (forget.length) await this.#redis.hdel(K.seen, ...forget);
    return out;
  }

  async get(id: string): Promise<MediaNodeInfo | undefined> {
    const v = await this.#redis.get(K.node(id));
    return v ? (JSON.parse(v) as MediaNodeInfo) : undefined;
  }

  /** The nodes whose heartbeat is current (lost ones are dropped from the set). */
  async alive(): Promise<MediaNodeInfo[]> {
    const ids = await this.#redis.smembers(K.nodes);
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(ids.map(K.node));
    const lost = ids.filter((_, i) => !values[i]);
    if (lost.length) await this.#redis.srem(K.nodes, ...lost);
    return values.filter((v): v is string => !!v).map((v) => JSON.parse(v) as MediaNodeInfo);
  }

  async placement(roomId: string): Promise<string | undefined> {
    return (await this.#redis.get(K.place(roomId))) ?? undefined;
  }

  /**
   * The room's node: the recorded one while it is alive, else the least-loaded live node
   * below its limit (compare-and-set: when another instance placed the room first, its choice wins).
   */
  async place(roomId: string): Promise<MediaNodeInfo> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.placement(roomId);
      const alive = await this.alive();
      const placed = cur ? alive.find((n) => n.id === cur) : undefined;
      if (placed) return placed;
      const candidate = alive
        .filter((n) => n.load < n.maxLoad)
        .sort((a, b) => a.load / a.maxLoad - b.load / b.maxLoad)[0];
      if (!candidate) throw new NoMediaNodeError();
      const won = (await this.#redis.eval(
        CAS,
        1,
        K.place(roomId),
        candidate.id,
        cur ?? '',
        String(PLACEMENT_TTL_SEC),
      )) as string;
      if (won === candidate.id) return candidate;
    }
    throw new NoMediaNodeError();
  }

  async unplace(roomId: string, nodeId: string): Promise<void> {
    await this.#redis.eval(UNPLACE, 1, K.place(roomId), nodeId);
  }
}
