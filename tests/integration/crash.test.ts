/**
 * Crash hygiene with the real service as its own process (`node --import tsx
 * server/main.ts`, embedded redis-server and a mediasoup worker): killed with
 * SIGKILL, its children die with it; a restart runs exactly one redis-server
 * on the data directory and one mediasoup worker, and has every write made
 * before the kill. A redis-server left running by an earlier run
 * (as when children could not be tied to the parent) is found by its pid file
 * and stopped before the new one starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { writePidFile } from '../../core/process/childHygiene.ts';
import { redisServerArgs } from '../../server/redis/EmbeddedRedis.ts';

let dir: string;
let dataDir: string;

beforeAll(() => {
  dir = tmpDir('skycrash');
  dataDir = path.join(dir, 'data');
});

/** Still running (a zombie waiting for its new parent to reap it has ended). */
function running(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of running processes whose executable is one of `exes` and that `matches` (read from /proc). */
function pidsOf(exes: string[], matches: (pid: string) => boolean): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return exes.includes(path.basename(fs.readlinkSync(`/proc/${p}/exe`))) && matches(p);
      } catch {
        return false; // gone meanwhile, or a zombie
      }
    })
    .map(Number);
}

/** mediasoup workers whose parent is `parent` (the service process). */
const workerPids = (parent: number) =>
  pidsOf(['mediasoup-worker'], (p) => {
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
  });

// Debian's redis-server is a link to redis-check-rdb (one binary). It rewrites its title, so its open
// files tell which data directory it serves.
const redisPids = () =>
  pidsOf(['redis-server', 'redis-check-rdb'], (p) =>
    fs.readdirSync(`/proc/${p}/fd`).some((fd) => {
      try {
        return fs.readlinkSync(`/proc/${p}/fd/${fd}`).startsWith(path.join(dataDir, 'redis'));
      } catch {
        return false;
      }
    }),
  );

/** Starts `npm start`'s process and resolves once it listens. */
async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      SFU: 'mediasoup',
      MEDIASOUP_WORKERS: '1',
      MEDIASOUP_RTC_PORTS: '26000-26099',
      PASSWORD_HASH_COST: '10',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('Skyclass is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}): ${err}`)));
  });
  return child;
}

const socketPath = () => path.join(dataDir, 'redis', 'redis.sock');

describe('crash hygiene', () => {
  it('SIGKILL of the service takes redis-server and the mediasoup worker with it; a restart runs one of each and loses nothing', async () => {
    const first = await startServer();
    expect(redisPids()).toHaveLength(1);
    expect(workerPids(first.pid!)).toHaveLength(1);
    const [redisPid] = redisPids();
    const [workerPid] = workerPids(first.pid!);
    // Writes made before the crash (to the service's own Redis, as the service makes them).
    const r = new Redis({ path: socketPath() });
    for (let i = 0; i < 200; i++) await r.set(`crash-test:${i}`, `value-${i}`);
    r.disconnect();

    first.kill('SIGKILL');
    // By pid: a redis-server flushing its AOF on the way out has already closed its data files.
    // redis-server flushes its AOF on its parent-death signal; the worker exits when its channel closes.
    const left = () => [
      ...(running(redisPid!) ? [`redis-server ${redisPid}`] : []),
      ...(running(workerPid!) ? [`mediasoup-worker ${workerPid}`] : []),
      ...redisPids().map((p) => `redis-server ${p}`),
    ];
    const deadline = Date.now() + 30_000;
    while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(left(), 'processes still running 30 s after the service was killed').toEqual([]);

    const second = await startServer();
    try {
      expect(redisPids()).toHaveLength(1);
      expect(workerPids(second.pid!)).toHaveLength(1);
      const r2 = new Redis({ path: socketPath() });
      const values = await r2.mget(Array.from({ length: 200 }, (_, i) => `crash-test:${i}`));
      r2.disconnect();
      expect(values).toEqual(Array.from({ length: 200 }, (_, i) => `value-${i}`));
    } finally {
      second.kill('SIGTERM');
      await new Promise((res) => second.once('exit', res));
    }
    // A clean stop leaves nothing either (redis-server may take a moment to finish writing on a loaded machine).
    const stopDeadline = Date.now() + 10_000;
    while (redisPids().length > 0 && Date.now() < stopDeadline) await new Promise((r) => setTimeout(r, 100));
    expect(redisPids()).toHaveLength(0);
    expect(workerPids(second.pid!)).toHaveLength(0);
  }, 120_000);

  it('a redis-server an earlier run left behind is stopped (by its pid file) before the new one starts', async () => {
    // An orphan as a crashed run without parent-death signals would leave it: detached, recorded in the pid file.
    const redisDir = path.join(dataDir, 'redis');
    fs.mkdirSync(redisDir, { recursive: true });
    const orphan = spawn('redis-server', redisServerArgs(redisDir, socketPath()), {
      detached: true,
      stdio: 'ignore',
    });
    orphan.unref();
    await waitFor(async () => (fs.existsSync(socketPath()) ? true : undefined), 'the orphan redis', 10_000);
    writePidFile(path.join(redisDir, 'redis-server.skyclass-pid'), orphan.pid!, 'redis-server');
    const r = new Redis({ path: socketPath() });
    await r.set('orphan-wrote', 'yes');
    r.disconnect();
    expect(redisPids()).toEqual([orphan.pid]);

    const svc = await startServer();
    try {
      // Gone (or a zombie of this test process, which spawned it and has not reaped it yet).
      const orphanAlive =
        fs.existsSync(`/proc/${orphan.pid}`) &&
        !/\) Z /.test(fs.readFileSync(`/proc/${orphan.pid}/stat`, 'utf8'));
      expect(orphanAlive).toBe(false);
      const pids = redisPids();
      expect(pids).toHaveLength(1);
      expect(pids[0]).not.toBe(orphan.pid);
      const r2 = new Redis({ path: socketPath() });
      expect(await r2.get('orphan-wrote')).toBe('yes'); // the orphan was stopped cleanly (SIGTERM: AOF flushed)
      expect(await r2.get('crash-test:199')).toBe('value-199');
      r2.disconnect();
    } finally {
      svc.kill('SIGTERM');
      await new Promise((res) => svc.once('exit', res));
    }
  }, 120_000);
});
