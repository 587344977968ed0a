/**
 * Redis as a cluster runs it: a primary, a replica and three sentinels (the
 * Debian redis-server binary in its sentinel mode), on loopback ports, with
 * short failure detection so a failover takes seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startProc, type Proc } from './procs.ts';
import { waitFor } from './waitFor.ts';

export const SENTINEL_NAME = 'skyclass';

export interface SentinelRedis {
  /** REDIS_SENTINELS for Skyclass. */
  sentinels: string;
  name: string;
  servers: { port: number; proc: Proc }[];
  /** The server the sentinels call primary now. */
  primaryPort(): Promise<number>;
  /** A client through the sentinels (follows failovers). */
  client(): Redis;
  close(): Promise<void>;
}

const BIN = 'redis-server';

export async function startSentinelRedis(dir: string): Promise<SentinelRedis> {
  const servers: { port: number; proc: Proc }[] = [];
  const sentinelProcs: Proc[] = [];
  const sentinelPorts: number[] = [];
  const clients: Redis[] = [];
  const primary = await freePort();
  for (const [i, port] of [primary, await freePort()].entries()) {
    const d = path.join(dir, `redis-${i}`);
    fs.mkdirSync(d, { recursive: true });
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      d,
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    if (i > 0) args.push('--replicaof', '127.0.0.1', String(primary));
    servers.push({ port, proc: startProc(`redis-${i}`, `/usr/bin/${BIN}`, args, { logDir: dir }) });
  }
  const ping = (port: number) => {
    const r = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    r.on('error', () => undefined);
    return r;
  };
  await waitFor(
    async () => {
      const r = ping(servers[1]!.port);
      try {
        await r.connect();
        return /master_link_status:up/.test(await r.info('replication'));
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    },
    'the Redis replica to sync',
    20_000,
  );
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    sentinelPorts.push(port);
    const conf = path.join(dir, `sentinel-${i}.conf`);
    fs.writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 4000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        '',
      ].join('\n'),
    );
    sentinelProcs.push(startProc(`sentinel-${i}`, `/usr/bin/${BIN}`, [conf, '--sentinel'], { logDir: dir }));
  }
  const sentinels = sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
  const sentinelClient = () => {
    const r = new Redis({
      port: sentinelPorts[0]!,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    r.on('error', () => undefined);
    return r;
  };
  // Every sentinel sees the replica (it can then promote it).
  await waitFor(
    async () => {
      const r = sentinelClient();
      try {
        await r.connect();
        const replicas = (await r.call('SENTINEL', 'REPLICAS', SENTINEL_NAME)) as unknown[];
        const others = (await r.call('SENTINEL', 'SENTINELS', SENTINEL_NAME)) as unknown[];
        return replicas.length === 1 && others.length === 2;
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    },
    'the sentinels to find the replica and each other',
    30_000,
  );
  return {
    sentinels,
    name: SENTINEL_NAME,
    servers,
    async primaryPort() {
      const r = sentinelClient();
      try {
        await r.connect();
        const [, port] = (await r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)) as [
          string,
          string,
        ];
        return Number(port);
      } finally {
        r.disconnect();
      }
    },
    client() {
      const r = new Redis({
        sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
        name: SENTINEL_NAME,
        maxRetriesPerRequest: 3,
      });
      r.on('error', () => undefined);
      clients.push(r);
      return r;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await Promise.all([...sentinelProcs, ...servers.map((s) => s.proc)].map((p) => p.kill('SIGKILL')));
    },
  };
}
