/**
 * A Skyclass cluster on one machine, as the README describes it: N api
 * instances behind Debian's nginx (round-robin, WebSocket upgrade), M media
 * nodes (each mediasoup on its own loopback address), a transcode worker,
 * Redis primary + replica + 3 sentinels, and an S3 server (s3rver, its own
 * process). Every Skyclass role is a separate `server/main.ts` process, so
 * the fault tests can SIGKILL any of them. Used by tests/integration/cluster.test.ts
 * and bench/cluster.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { renderLb } from '../../infra/nginx/render.mjs';
import { deriveKey } from '../../server/auth/tokens.ts';
import { callNode } from '../../server/cluster/nodeClient.ts';
import { DistrictStore } from '../../server/district/DistrictStore.ts';
import { seedDemo } from '../../server/district/seedDemo.ts';
import { freePort, startProc, tail, type Proc } from './procs.ts';
import { startSentinelRedis, type SentinelRedis } from './redisSentinel.ts';
import { tmpDir } from './tmp.ts';
import { waitFor } from './waitFor.ts';

export const CLUSTER_SECRET = 'cluster-test-secret-0123456789abcdef0123456789';
export const CLUSTER_METRICS_TOKEN = 'cluster-metrics-token';

export interface ClusterNode extends Proc {
  role: 'api' | 'media' | 'worker';
  /** api: its own address (behind nginx); media: its internal API. */
  url: string;
  env: Record<string, string>;
}

export interface ClusterOptions {
  apis?: number;
  medias?: number;
  /** MEDIA_NODE_MAX_PEERS of each media node. */
  mediaMaxPeers?: number;
  /** MEDIA_ROOM_NODE_SHARE: a lesson's viewers per node before the next node takes them (piped). */
  roomShare?: number;
  env?: Record<string, string>;
}

export interface Cluster {
  /** nginx in front of the api instances. */
  url: string;
  dir: string;
  redis: SentinelRedis;
  /** A plain client through the sentinels. */
  db: Redis;
  apis: ClusterNode[];
  medias: ClusterNode[];
  worker: ClusterNode;
  /** The media nodes' internal API key (derived from the shared secret as the service does). */
  mediaKey: string;
  /** Calls a media node's internal API. */
  rpc<T>(node: ClusterNode | string, method: string, args: unknown[]): Promise<T>;
  /** The media node (process) a room is placed on now. */
  nodeOfRoom(roomId: string): Promise<ClusterNode | undefined>;
  /** Starts a replacement for a killed process (same role and settings, new process). */
  restart(n: ClusterNode): Promise<ClusterNode>;
  close(): Promise<void>;
}

const ROOT = path.resolve('.');
const TSX = [process.execPath, '--import', 'tsx', path.join(ROOT, 'server/main.ts')] as const;

export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const dir = tmpDir('skycluster');
  const started: Proc[] = [];
  const redis = await startSentinelRedis(dir);
  const db = redis.client();
  try {
    await seedDemo(new DistrictStore(db), { passwordCost: 10, studentsPerClass: 2 });
    // S3 in its own process (the test process stays free for Chromium and the checks).
    const s3Port = await freePort();
    const s3 = startProc(
      's3rver',
      process.execPath,
      [path.join(ROOT, 'tests/helpers/s3rverMain.mjs'), String(s3Port), path.join(dir, 's3')],
      { logDir: dir, env: { PATH: process.env.PATH ?? '' } },
    );
    started.push(s3);
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${s3Port}/skyclass`).catch(() => undefined))?.ok,
      's3rver',
      20_000,
    );
    const nginxPort = await freePort();
    const url = `http://127.0.0.1:${nginxPort}`;
    const common: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      LOG_LEVEL: 'info',
      REDIS_SENTINELS: redis.sentinels,
      REDIS_SENTINEL_NAME: redis.name,
      SESSION_SECRET: CLUSTER_SECRET,
      S3_BUCKET: 'skyclass',
      S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
      UPLOAD_DIR: path.join(dir, 'uploads'),
      PUBLIC_BASE_URL: url,
      TRUST_PROXY: 'true',
      SFU: 'mediasoup',
      PASSWORD_HASH_COST: '10',
      LOGIN_IP_LIMIT: '100000',
      LOGIN_GLOBAL_LIMIT: '100000',
      LOGIN_USER_BACKOFF_AFTER: '100000',
      API_RESPONSE_CHECK: 'strict',
      WEB_DIST_DIR: path.join(ROOT, 'web-player/dist'),
      METRICS_TOKEN: CLUSTER_METRICS_TOKEN,
      HEAD_END_ALLOWED: '127.0.0.1/32',
      MEDIA_ROOM_NODE_SHARE: String(o.roomShare ?? 300),
      // A connection left by a killed api instance is closed after 5 s unless its page took it over elsewhere.
      MEDIA_NODE_ORPHAN_GRACE: '5s',
      ...o.env,
    };
    const spawnNode = async (role: ClusterNode['role'], i: number, env: Record<string, string>) => {
      const name = `${role}-${i}-${Date.now() % 100000}`;
      const full: Record<string, string> = { ...common, ROLES: role, DATA_DIR: path.join(dir, name), ...env };
      const p = startProc(name, TSX[0], TSX.slice(1), { env: full, logDir: dir, cwd: ROOT });
      started.push(p);
      const node: ClusterNode = {
        ...p,
        role,
        env: full,
        url:
          role === 'api'
            ? `http://127.0.0.1:${full.PORT}`
            : role === 'media'
              ? `http://${full.MEDIA_NODE_HOST}:${full.MEDIA_NODE_PORT}`
              : '',
      };
      return node;
    };
    const ready = async (n: ClusterNode) => {
      const probe =
        n.role === 'api' ? `${n.url}/readyz` : n.role === 'media' ? `${n.url}/healthz` : undefined;
      await waitFor(
        async () => {
          if (n.child.exitCode !== null) throw new Error(`${n.name} exited:\n${tail(n)}`);
          if (probe) return (await fetch(probe).catch(() => undefined))?.ok;
          return fs.readFileSync(n.logFile, 'utf8').includes('Skyclass node is running');
        },
        `${n.name} to be ready`,
        60_000,
      );
    };
    const apiEnv = async () => ({ PORT: String(await freePort()), HOST: '127.0.0.1' });
    const mediaEnv = async (i: number) => {
      const ip = `127.0.0.${2 + i}`;
      return {
        MEDIA_NODE_HOST: ip,
        MEDIA_NODE_PORT: String(await freePort(ip)),
        MEDIASOUP_LISTEN_IP: ip,
        MEDIASOUP_WORKERS: '1',
        MEDIASOUP_RTC_PORTS: `${46000 + i * 500}-${46000 + i * 500 + 499}`,
        MEDIA_NODE_MAX_PEERS: String(o.mediaMaxPeers ?? 400),
      };
    };
    const medias = await Promise.all(
      Array.from({ length: o.medias ?? 2 }, async (_, i) => spawnNode('media', i, await mediaEnv(i))),
    );
    const apis = await Promise.all(
      Array.from({ length: o.apis ?? 3 }, async (_, i) => spawnNode('api', i, await apiEnv())),
    );
    const worker = await spawnNode('worker', 0, {});
    await Promise.all([...medias, ...apis, worker].map(ready));
    const nginxDir = path.join(dir, 'nginx');
    fs.mkdirSync(nginxDir, { recursive: true });
    fs.writeFileSync(
      path.join(nginxDir, 'nginx.conf'),
      renderLb({
        prefix: nginxDir,
        listen: `127.0.0.1:${nginxPort}`,
        apis: apis.map((a) => a.url.replace('http://', '')),
        user: process.getuid?.() === 0 ? 'root root' : undefined,
        // The drills measure the api instances and media nodes themselves, behind the load balancer alone.
        // Through the HLS cache too (2026-12-01): the api-kill drill passed (largest gap 0.03 s) once
        // playlists lost proxy_cache_background_update, but in the media-node drill hls.js met one fatal
        // error (it recovered and played on) — not explained yet (a briefly cached 401/403 is suspected),
        // so the cache stays off here until it is; tests/integration/edge.test.ts covers the cache.
        hlsCache: false,
      }),
    );
    const nginx = startProc(
      'nginx',
      '/usr/sbin/nginx',
      ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'],
      { logDir: dir },
    );
    started.push(nginx);
    await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.ok, 'nginx', 20_000);
    const mediaKey = deriveKey(deriveKey(CLUSTER_SECRET, 'signed-url'), 'media-node');
    const cluster: Cluster = {
      url,
      dir,
      redis,
      db,
      apis,
      medias,
      worker,
      mediaKey,
      rpc<T>(node: ClusterNode | string, method: string, args: unknown[]): Promise<T> {
        return callNode<T>(typeof node === 'string' ? node : node.url, mediaKey, method, args);
      },
      async nodeOfRoom(roomId) {
        const id = await db.get(`sc:room-node:${roomId}`);
        if (!id) return undefined;
        const info = await db.get(`sc:media-node:${id}`);
        if (!info) return undefined;
        const { url: nodeUrl } = JSON.parse(info) as { url: string };
        return cluster.medias.find((m) => m.url === nodeUrl);
      },
      async restart(n) {
        const i = (n.role === 'api' ? cluster.apis : cluster.medias).indexOf(n);
        const fresh = await spawnNode(n.role, i, {
          ...(n.role === 'api' ? { PORT: n.env.PORT!, HOST: '127.0.0.1' } : {}),
          ...(n.role === 'media'
            ? Object.fromEntries(Object.entries(n.env).filter(([k]) => k.startsWith('MEDIA')))
            : {}),
        });
        await ready(fresh);
        if (n.role === 'api') cluster.apis[i] = fresh;
        if (n.role === 'media') cluster.medias[i] = fresh;
        return fresh;
      },
      async close() {
        for (const p of [...started].reverse()) await p.kill('SIGTERM');
        db.disconnect();
        await redis.close();
      },
    };
    return cluster;
  } catch (err) {
    // SIGTERM (not SIGKILL): nginx's workers outlive a killed master.
    for (const p of started.reverse()) await p.kill('SIGTERM');
    db.disconnect();
    await redis.close();
    throw err;
  }
}
