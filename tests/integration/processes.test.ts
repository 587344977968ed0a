import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ManagedProcess } from '../../core/process/ManagedProcess.ts';
import { Supervisor } from '../../core/process/Supervisor.ts';
import { EmbeddedRedis } from '../../server/redis/EmbeddedRedis.ts';
import { testLogger } from '../helpers/logger.ts';
import { tmpDir } from '../helpers/tmp.ts';

const logger = testLogger();
const node = (script: string, extra: Partial<ConstructorParameters<typeof ManagedProcess>[0]> = {}) =>
  new ManagedProcess({
    name: 'node-child',
    command: process.execPath,
    args: ['-e', script],
    logger,
    ...extra,
  });

describe('ManagedProcess', () => {
  it('resolves start() on the ready line and stops gracefully', async () => {
    const p = node(
      "console.log('booting'); setTimeout(() => console.log('READY'), 100); setInterval(() => {}, 1000)",
      {
        readyLine: (l) => l === 'READY',
      },
    );
    await p.start();
    expect(p.state).toBe('running');
    const info = await p.stop();
    expect(info.reason).toBe('requested');
    expect(p.state).toBe('exited');
  });

  it('rejects start() on timeout, kills the child, and reports start-timeout once', async () => {
    const p = node('setInterval(() => {}, 1000)', { readyLine: () => false, startTimeoutMs: 300 });
    const exits: unknown[] = [];
    p.on('exit', (i) => exits.push(i));
    await expect(p.start()).rejects.toThrow(/not ready after 300 ms/);
    const info = await p.waitExit();
    expect(info.reason).toBe('start-timeout');
    expect(exits).toHaveLength(1);
  });

  it('rejects start() with the last output when the child dies first', async () => {
    const p = node("console.error('config file missing'); process.exit(3)", { readyLine: () => false });
    await expect(p.start()).rejects.toThrow(/exited before it was ready \(code 3.*config file missing/);
  });

  it('reports a missing binary as spawn-error', async () => {
    const p = new ManagedProcess({
      name: 'nope',
      command: '/nonexistent/bin',
      args: [],
      logger,
      readyLine: () => true,
    });
    await expect(p.start()).rejects.toThrow(/spawn-error/);
  });

  it('escalates to SIGKILL when the child ignores the stop signal', async () => {
    const p = node("process.on('SIGTERM', () => {}); console.log('READY'); setInterval(() => {}, 1000)", {
      readyLine: (l) => l === 'READY',
      stopTimeoutMs: 300,
    });
    await p.start();
    const info = await p.stop();
    expect(info.signal).toBe('SIGKILL');
    expect(info.reason).toBe('requested');
  });
});

describe('Supervisor', () => {
  it('restarts a crashed child with backoff and counts crashes', async () => {
    const sup = new Supervisor({
      name: 'crashy',
      logger,
      initialBackoffMs: 400,
      create: () =>
        node("console.log('READY'); setTimeout(() => process.exit(1), 100)", {
          readyLine: (l) => l === 'READY',
        }),
    });
    const crashedAt: number[] = [];
    const started: number[] = [];
    sup.on('crashed', () => crashedAt.push(Date.now()));
    sup.on('started', () => started.push(Date.now()));
    await sup.start();
    while (sup.crashes < 2) await once(sup, 'crashed');
    await once(sup, 'started');
    await sup.stop();
    expect(started.length).toBeGreaterThanOrEqual(3);
    // Crash → restart waits the backoff (400 ms, then 800 ms) plus the child's start-up.
    const firstWait = started[1]! - crashedAt[0]!;
    const secondWait = started[2]! - crashedAt[1]!;
    expect(firstWait).toBeGreaterThanOrEqual(400);
    expect(secondWait).toBeGreaterThanOrEqual(800);
  });

  it('starts nothing when stopped while the next child is being prepared', async () => {
    let release!: () => void;
    const prepared = new Promise<void>((r) => (release = r));
    const made: ManagedProcess[] = [];
    const sup = new Supervisor({
      name: 'prepared',
      logger,
      // Preparing takes a moment (the live pipeline draws its ports first).
      create: async () => {
        await prepared;
        const p = node("console.log('READY'); setInterval(() => {}, 1000)", {
          readyLine: (l) => l === 'READY',
        });
        made.push(p);
        return p;
      },
    });
    const starting = sup.start();
    const stopping = sup.stop();
    release();
    await Promise.all([starting, stopping]);
    expect(made).toHaveLength(1);
    expect(made[0]!.state).toBe('new');
    expect(sup.current).toBeUndefined();
  });

  it('tries again when the next child cannot even be prepared after a crash', async () => {
    let calls = 0;
    const sup = new Supervisor({
      name: 'unprepared',
      logger,
      initialBackoffMs: 50,
      create: () => {
        calls += 1;
        // The second child cannot be prepared (no ports free, say); the first crashes, the third runs.
        if (calls === 2) throw new Error('nothing to run it with');
        return node(
          calls === 1
            ? "console.log('READY'); process.exit(1)"
            : "console.log('READY'); setInterval(() => {}, 1000)",
          {
            readyLine: (l) => l === 'READY',
          },
        );
      },
    });
    const failed = once(sup, 'start-failed');
    await sup.start();
    await failed;
    await once(sup, 'started');
    expect(calls).toBe(3);
    expect(sup.current?.state).toBe('running');
    await sup.stop();
  });
});

describe('EmbeddedRedis', () => {
  it('keeps data across restarts (AOF) and comes back after being killed', async () => {
    const dir = tmpDir('redis');
    const r1 = new EmbeddedRedis({ dir, bin: 'redis-server', logger });
    await r1.start();
    const c1 = new Redis({ path: r1.socketPath });
    c1.on('error', () => undefined); // expected while redis-server is restarted
    await c1.set('sc:test', 'persisted');
    // Kill -9: the supervisor restarts it; AOF (everysec) has the write after a moment.
    await new Promise((r) => setTimeout(r, 1100));
    process.kill(r1.pid!, 'SIGKILL');
    const deadline = Date.now() + 5000;
    let value: string | null = null;
    while (Date.now() < deadline) {
      try {
        value = await c1.get('sc:test');
        if (value) break;
      } catch {
        /* restarting */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(value).toBe('persisted');
    expect(r1.crashes).toBe(1);
    c1.disconnect();
    await r1.stop();

    const r2 = new EmbeddedRedis({ dir, bin: 'redis-server', logger });
    await r2.start();
    const c2 = new Redis({ path: r2.socketPath });
    expect(await c2.get('sc:test')).toBe('persisted');
    expect(await c2.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    c2.disconnect();
    await r2.stop();
  });

  it('says how to fix a missing redis-server', async () => {
    const r = new EmbeddedRedis({ dir: tmpDir('redis'), bin: '/nonexistent/redis-server', logger });
    await expect(r.start()).rejects.toThrow(/npm run setup.*REDIS_URL/);
  });
});

describe('start-up with a bad setting', () => {
  it('exits with code 2 and names the setting', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, STORAGE_DRIVER: 'ftp', PORT: 'abc' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('Invalid configuration');
    expect(res.stderr).toContain('STORAGE_DRIVER="ftp": use local or s3');
    expect(res.stderr).toContain('PORT="abc"');
  });
});

describe('startService', () => {
  it('releases what it started when a later step fails (the port is taken): no redis-server is left', async () => {
    const { startTestService } = await import('../helpers/service.ts');
    const http = await import('node:http');
    const taken = http.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const dataDir = tmpDir('skyfail');
    try {
      await expect(startTestService({ PORT: String(port), DATA_DIR: dataDir })).rejects.toThrow(/EADDRINUSE/);
      // The embedded redis-server was stopped again: its pid file is gone and its socket does not answer.
      const pidFile = `${dataDir}/redis/redis-server.skyclass-pid`;
      const fs = await import('node:fs');
      expect(fs.existsSync(pidFile)).toBe(false);
      const r = new Redis({
        path: `${dataDir}/redis/redis.sock`,
        lazyConnect: true,
        retryStrategy: () => null,
      });
      r.on('error', () => undefined); // the refusal is what this test expects
      await expect(r.connect()).rejects.toThrow();
      r.disconnect();
    } finally {
      taken.close();
    }
  }, 60_000);
});
