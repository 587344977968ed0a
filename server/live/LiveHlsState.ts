/**
 * A live lesson's published HLS segments in Redis, shared by every media
 * node and api instance: the pipeline's owner appends, anyone can finish the
 * playlists. A fencing token (INCR) makes the newest owner the only writer:
 * a node thought lost that comes back cannot append behind the new owner.
 * All keys of a lesson share one hash tag (`{lessonId}`), so the scripts
 * stay within one hash slot.
 */
import type { Redis } from 'ioredis';
import type { LivePlaylistState, LiveSegmentRecord } from '../../media/live/livePlaylist.ts';

/** The lesson's state outlives it long enough to be finished by /end; replays are in storage. */
const TTL_SEC = 7 * 24 * 3600;

const K = {
  fence: (id: string) => `sc:live-hls:{${id}}:fence`,
  segments: (id: string, rendition: string) => `sc:live-hls:{${id}}:seg:${rendition}`,
};

/** KEYS[1] fence, KEYS[2] list; ARGV[1] the writer's fence, ARGV[2] segment JSON, ARGV[3] ttl. */
const APPEND = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
`;

export class RedisLiveHlsState implements LivePlaylistState {
  readonly #redis: Redis;
  readonly #id: string;

  constructor(redis: Redis, lessonId: string) {
    this.#redis = redis;
    this.#id = lessonId;
  }

  async acquire(): Promise<number> {
    const [[, fence]] = (await this.#redis
      .multi()
      .incr(K.fence(this.#id))
      .expire(K.fence(this.#id), TTL_SEC)
      .exec()) as [[null, number], unknown];
    return fence;
  }

  async load(rendition: string): Promise<LiveSegmentRecord[]> {
    const items = await this.#redis.lrange(K.segments(this.#id, rendition), 0, -1);
    return items.map((v) => JSON.parse(v) as LiveSegmentRecord);
  }

  /** The newest published segment of a rendition (the duty console's "media age"). */
  async last(rendition: string): Promise<LiveSegmentRecord | undefined> {
    const [v] = await this.#redis.lrange(K.segments(this.#id, rendition), -1, -1);
    return v ? (JSON.parse(v) as LiveSegmentRecord) : undefined;
  }

  async append(rendition: string, segment: LiveSegmentRecord, fence: number): Promise<boolean> {
    const ok = await this.#redis.eval(
      APPEND,
      2,
      K.fence(this.#id),
      K.segments(this.#id, rendition),
      String(fence),
      JSON.stringify(segment),
      String(TTL_SEC),
    );
    return ok === 1;
  }
}
