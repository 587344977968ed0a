/**
 * Which api instance drives each browser connection (peer) on a media node.
 * An api instance that dies cannot close its peers; its pages reconnect to
 * another instance and take their connections over (sfu:adopt). A peer
 * whose owner has been gone for `graceMs` without being adopted is closed
 * here, so a crashed instance leaves no transports behind on the node.
 */
import type { Redis } from 'ioredis';

const apiKey = (instance: string) => `sc:api:${instance}`;

/** An api instance's liveness (ClusterMedia refreshes it). */
export const API_INSTANCE_TTL_MS = 10_000;
export async function heartbeatApiInstance(redis: Redis, instance: string): Promise<void> {
  await redis.set(apiKey(instance), '1', 'PX', API_INSTANCE_TTL_MS);
}

interface Owned {
  roomId: string;
  owner: string;
  since: number;
  /** When the owner was first seen gone. */
  goneSince?: number;
}

export class PeerOwners {
  readonly #peers = new Map<string, Owned>();

  claim(roomId: string, peerId: string, owner: string, now = Date.now()): void {
    this.#peers.set(peerId, { roomId, owner, since: now });
  }

  release(peerId: string): void {
    this.#peers.delete(peerId);
  }

  releaseRoom(roomId: string): void {
    for (const [id, o] of this.#peers) if (o.roomId === roomId) this.#peers.delete(id);
  }

  get size(): number {
    return this.#peers.size;
  }

  /**
   * The peers to close now: their owner has been gone `graceMs`, or (never opened here) they are
   * older than `graceMs * 2`. They are forgotten as they are returned.
   */
  async orphans(
    redis: Redis,
    exists: (roomId: string, peerId: string) => boolean,
    graceMs: number,
    now = Date.now(),
  ): Promise<{ roomId: string; peerId: string }[]> {
    if (this.#peers.size === 0) return [];
    const owners = [...new Set([...this.#peers.values()].map((o) => o.owner))];
    const alive = await redis.mget(owners.map(apiKey));
    const gone = new Set(owners.filter((_, i) => !alive[i]));
    const out: { roomId: string; peerId: string }[] = [];
    for (const [peerId, o] of this.#peers) {
      if (!exists(o.roomId, peerId)) {
        if (now - o.since > graceMs * 2) this.#peers.delete(peerId);
        continue;
      }
      if (!gone.has(o.owner)) {
        o.goneSince = undefined;
        continue;
      }
      o.goneSince ??= now;
      if (now - o.goneSince >= graceMs) {
        this.#peers.delete(peerId);
        out.push({ roomId: o.roomId, peerId });
      }
    }
    return out;
  }
}
