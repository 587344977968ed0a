/**
 * The cluster's shared state on a real Redis: media node registry and room
 * placement (compare-and-set, heartbeat expiry, load limits), the live HLS
 * segment lists under a fencing token, and the tus lock shared by instances.
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedRedis } from '../../server/redis/EmbeddedRedis.ts';
import { NodeRegistry, NoMediaNodeError, type MediaNodeInfo } from '../../server/cluster/NodeRegistry.ts';
import { RedisLiveHlsState } from '../../server/live/LiveHlsState.ts';
import { RedisLocker } from '../../server/cluster/RedisLocker.ts';
import { heartbeatApiInstance, PeerOwners } from '../../server/cluster/PeerOwners.ts';
import { LiveHls } from '../../media/live/LiveHls.ts';
import { LocalStorage } from '../../core/storage/LocalStorage.ts';
import { testLogger } from '../helpers/logger.ts';
import { tmpDir } from '../helpers/tmp.ts';

let embedded: EmbeddedRedis;
const clients: Redis[] = [];
const client = () => {
  const r = new Redis({ path: embedded.socketPath });
  clients.push(r);
  return r;
};

beforeAll(async () => {
  embedded = new EmbeddedRedis({
    dir: path.join(tmpDir('clusterstate'), 'redis'),
    bin: 'redis-server',
    logger: testLogger(),
  });
  await embedded.start();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await embedded?.stop();
});

const node = (id: string, load = 0, maxLoad = 10): MediaNodeInfo => ({
  id,
  url: `http://127.0.0.1:1/${id}`,
  load,
  maxLoad,
  startedAt: new Date().toISOString(),
});

describe('media nodes and room placement', () => {
  it('places a room once, whichever api instance asks first, on the least-loaded live node', async () => {
    const a = new NodeRegistry(client(), { ttlMs: 2000 });
    const b = new NodeRegistry(client(), { ttlMs: 2000 });
    await a.heartbeat(node('n-busy', 8));
    await a.heartbeat(node('n-idle', 1));
    const placed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).place('room-1').then((n) => n.id)),
    );
    expect(new Set(placed)).toEqual(new Set(['n-idle']));
    expect(await a.placement('room-1')).toBe('n-idle');
  });

  it('moves a room whose node stopped its heartbeat; refuses when every node is full', async () => {
    const r = new NodeRegistry(client(), { ttlMs: 300 });
    for (const id of ['n-busy', 'n-idle']) await r.remove(id);
    await r.heartbeat(node('n-short', 0));
    expect((await r.place('room-2')).id).toBe('n-short');
    await r.heartbeat(node('n-other', 0, 10));
    await new Promise((res) => setTimeout(res, 400)); // n-short missed its heartbeats (n-other too)
    await r.heartbeat(node('n-other', 0, 10));
    expect((await r.place('room-2')).id).toBe('n-other');
    expect((await r.alive()).map((n) => n.id)).not.toContain('n-short');
    await r.heartbeat(node('n-other', 10, 10));
    await expect(r.place('room-3')).rejects.toBeInstanceOf(NoMediaNodeError);
    // Unplacing only removes the placement of the node that holds it.
    await r.unplace('room-2', 'n-short');
    expect(await r.placement('room-2')).toBe('n-other');
    await r.unplace('room-2', 'n-other');
    expect(await r.placement('room-2')).toBeUndefined();
  });
});

describe('live HLS segment lists under a fencing token', () => {
  it('refuses appends from an older owner; a new owner continues; anyone finishes the playlists', async () => {
    const redis = client();
    const state = new RedisLiveHlsState(redis, 'live_00000000000000aa');
    const first = await state.acquire();
    const seg = (uri: string, run: number, disc = false) => ({
      uri,
      duration: 2,
      pdt: Date.now(),
      disc,
      run,
    });
    for (const r of ['source', 'audio'])
      expect(
        await state.append(
          r,
          { ...seg(`r${first * 1000}_00000.m4s`, first * 1000), map: `init_r${first * 1000}.mp4` },
          first,
        ),
      ).toBe(true);
    const second = await new RedisLiveHlsState(client(), 'live_00000000000000aa').acquire();
    expect(second).toBe(first + 1);
    // The old owner (a node thought lost) can no longer write.
    expect(await state.append('source', seg('r1000_00001.m4s', first * 1000), first)).toBe(false);
    expect(
      await state.append(
        'source',
        { ...seg(`r${second * 1000}_00000.m4s`, second * 1000, true), map: `init_r${second * 1000}.mp4` },
        second,
      ),
    ).toBe(true);
    const storage = new LocalStorage({
      root: tmpDir('livefinish'),
      baseUrl: () => 'http://127.0.0.1:1/files',
      signingKey: 'k',
      defaultUrlTtlMs: 60_000,
    });
    const done = await LiveHls.finish({ lessonId: 'live_00000000000000aa', storage, state });
    expect(done.durationSec).toBe(4);
    const text = await new Response(
      (await storage.get('live/live_00000000000000aa/source/index.m3u8')).body as never,
    ).text();
    expect(text).toContain('#EXT-X-ENDLIST');
    expect(text.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    expect(text).toContain('#EXT-X-MAP:URI="init_r2000.mp4"');
    expect(text).not.toContain('r1000_00001.m4s');
  });
});

describe('the tus lock shared by api instances', () => {
  it('one holder at a time; a waiter asks the holder to let go; a dead holder’s lock expires', async () => {
    const logger = testLogger();
    const a = new RedisLocker({
      redis: client(),
      subscriber: client(),
      logger,
      ttlMs: 600,
      acquireTimeoutMs: 5000,
    });
    const bRedis = client();
    const b = new RedisLocker({
      redis: bRedis,
      subscriber: client(),
      logger,
      ttlMs: 600,
      acquireTimeoutMs: 5000,
    });
    const lockA = a.newLock('upload-1');
    let asked = 0;
    await lockA.lock(new AbortController().signal, () => {
      asked++;
      setTimeout(() => void lockA.unlock(), 100);
    });
    // Held past its TTL while renewed.
    await new Promise((r) => setTimeout(r, 800));
    const lockB = b.newLock('upload-1');
    const t0 = Date.now();
    await lockB.lock(new AbortController().signal, () => undefined);
    expect(asked).toBe(1);
    expect(Date.now() - t0).toBeLessThan(600);
    // B's instance dies holding it (its connections drop, renewals stop): the lock frees itself within the TTL.
    b.close();
    bRedis.disconnect();
    const c = new RedisLocker({
      redis: client(),
      subscriber: client(),
      logger,
      ttlMs: 600,
      acquireTimeoutMs: 5000,
    });
    const t1 = Date.now();
    await c.newLock('upload-1').lock(new AbortController().signal, () => undefined);
    expect(Date.now() - t1).toBeLessThan(3000);
    // A waiter gives up with tus's lock timeout when the holder never lets go.
    const d = new RedisLocker({
      redis: client(),
      subscriber: client(),
      logger,
      ttlMs: 600,
      acquireTimeoutMs: 300,
    });
    await expect(
      d.newLock('upload-1').lock(new AbortController().signal, () => undefined),
    ).rejects.toMatchObject({
      status_code: 500,
    });
  });
});

describe('connections whose api instance died', () => {
  it('are closed after the grace period unless their owner is alive (or another instance took them over)', async () => {
    const redis = client();
    const owners = new PeerOwners();
    await heartbeatApiInstance(redis, 'api_alive');
    const t0 = Date.now();
    owners.claim('room-a', 'p_alive', 'api_alive', t0);
    owners.claim('room-a', 'p_orphan', 'api_dead', t0);
    owners.claim('room-a', 'p_adopted', 'api_dead', t0);
    owners.claim('room-a', 'p_never_opened', 'api_dead', t0);
    const exists = (_room: string, peer: string) => peer !== 'p_never_opened';
    // First seen without its owner: not yet.
    expect(await owners.orphans(redis, exists, 1000, t0 + 100)).toEqual([]);
    owners.claim('room-a', 'p_adopted', 'api_alive', t0 + 500); // its page reconnected elsewhere
    expect(await owners.orphans(redis, exists, 1000, t0 + 1200)).toEqual([
      { roomId: 'room-a', peerId: 'p_orphan' },
    ]);
    expect(await owners.orphans(redis, exists, 1000, t0 + 5000)).toEqual([]);
    expect(owners.size).toBe(2); // the live one and the adopted one; the never-opened one forgotten
  });
});
