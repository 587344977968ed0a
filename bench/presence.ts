/**
 * npm run bench:presence — presence at the scale of a whole grade, measured:
 * two Skyclass instances (own processes, one Redis, the socket.io Redis
 * adapter); 2,000 simulated students (socket.io clients, half on each
 * instance) send a heartbeat every 5 s; each class's co-teacher dashboard
 * socket is on the other instance. During the measuring window students
 * change what they watch (channel ↔ live), and the time from a student's
 * change to the dashboard's `presence:update` is measured.
 * Reports heartbeat throughput, server CPU (both instances, % of one core,
 * plus Redis) and the update latency (p50/p95/p99).
 * Last line: {"bench":"presence","students":..,"update_p95_ms":..,"server_cpu_pct":..}
 */
import { processTicks, ticksToPct } from './cpu.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { io, type Socket } from 'socket.io-client';

const CLASSES = Number(process.env.BENCH_CLASSES ?? 40);
const PER_CLASS = Number(process.env.BENCH_STUDENTS_PER_CLASS ?? 50);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 30_000);
const BEAT_MS = 5000;

const ticks = processTicks;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function startServer(
  dir: string,
  mode: 'seed' | 'join',
  tokens: string,
): Promise<{ url: string; pid: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/presenceServer.ts', dir, mode, String(CLASSES), String(PER_CLASS), tokens],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (l.startsWith('READY '))
        resolve({ ...(JSON.parse(l.slice(6)) as { url: string; pid: number }), child });
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

function connect(url: string, token: string): Promise<Socket> {
  const s = io(url, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-presence-'));
  const tokensFile = path.join(dir, 'tokens.json');
  console.log(`Starting two instances and a district of ${CLASSES} classes × ${PER_CLASS} students…`);
  const a = await startServer(dir, 'seed', tokensFile);
  const b = await startServer(dir, 'join', tokensFile);
  const redisPid = Number(
    fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .find((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(path.join(dir, 'redis'));
        } catch {
          return false;
        }
      }),
  );
  const { students, teachers, liveId } = JSON.parse(fs.readFileSync(tokensFile, 'utf8')) as {
    liveId: string;
    students: { token: string; classId: string; id: string }[];
    teachers: { token: string; classId: string }[];
  };

  // Dashboards on instance B; students alternate between A and B.
  const pending = new Map<string, number>(); // studentId → when its change was sent
  const latencies: number[] = [];
  const dashboards = await Promise.all(teachers.map((t) => connect(b.url, t.token)));
  await Promise.all(
    dashboards.map(
      (d, i) => new Promise((r) => d.emit('presence:subscribe', { classId: teachers[i]!.classId }, r)),
    ),
  );
  for (const d of dashboards)
    d.on('presence:update', (u: { studentId: string; change: string }) => {
      const t0 = pending.get(u.studentId);
      if (t0 !== undefined && u.change === 'switched') {
        latencies.push(Date.now() - t0);
        pending.delete(u.studentId);
      }
    });
  console.log(
    `${dashboards.length} dashboards connected to instance B; connecting ${students.length} students…`,
  );
  const socks: Socket[] = [];
  for (let i = 0; i < students.length; i += 100) {
    socks.push(
      ...(await Promise.all(
        students.slice(i, i + 100).map((s, j) => connect((i + j) % 2 ? b.url : a.url, s.token)),
      )),
    );
  }
  let acks = 0;
  let errors = 0;
  const state = students.map(() => ({ kind: 'channel', ref: 'grade-3' }));
  const beat = (i: number) =>
    socks[i]!.emit(
      'presence:beat',
      { ...state[i], position: 0, device: i % 3 ? 'phone' : 'desktop', tab: `tab-bench-${i}` },
      (r: { ok?: boolean }) => (r?.ok ? acks++ : errors++),
    );
  // Heartbeats every 5 s, spread evenly.
  const timers = socks.map((_, i) =>
    setTimeout(
      () => {
        beat(i);
        timers[i] = setInterval(() => beat(i), BEAT_MS) as unknown as NodeJS.Timeout;
      },
      (i / socks.length) * BEAT_MS,
    ),
  );
  await new Promise((r) => setTimeout(r, BEAT_MS + 2000)); // everyone has joined
  console.log(`All ${socks.length} students are beating; measuring for ${WINDOW_MS / 1000} s…`);

  // Changes: about 40 students a second switch what they watch (channel ↔ live), sent at once.
  const changer = setInterval(() => {
    for (let k = 0; k < 4; k++) {
      const i = Math.floor(Math.random() * socks.length);
      if (pending.has(students[i]!.id)) continue;
      state[i] =
        state[i]!.kind === 'channel'
          ? { kind: 'live-hls', ref: liveId }
          : { kind: 'channel', ref: 'grade-3' };
      pending.set(students[i]!.id, Date.now());
      beat(i);
    }
  }, 100);
  const t0 = [ticks(a.pid), ticks(b.pid), redisPid ? ticks(redisPid) : 0];
  const acks0 = acks;
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const secs = WINDOW_MS / 1000;
  const cpuA = ticksToPct(ticks(a.pid) - t0[0]!, WINDOW_MS);
  const cpuB = ticksToPct(ticks(b.pid) - t0[1]!, WINDOW_MS);
  const cpuRedis = redisPid ? ticksToPct(ticks(redisPid) - t0[2]!, WINDOW_MS) : NaN;
  const throughput = (acks - acks0) / secs;
  clearInterval(changer);
  timers.forEach((t) => clearInterval(t));
  await new Promise((r) => setTimeout(r, 1500));
  socks.forEach((s) => s.close());
  dashboards.forEach((d) => d.close());
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');

  const sorted = [...latencies].sort((x, y) => x - y);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  const lost = pending.size;
  console.log(`Heartbeats: ${round(throughput)} /s acknowledged (${errors} errors)`);
  console.log(
    `Server CPU: instance A ${round(cpuA)} %, instance B ${round(cpuB)} % (of one core), Redis ${round(cpuRedis)} %`,
  );
  console.log(
    `Change → dashboard update (${sorted.length} changes, across instances): p50 ${q(50)} ms, p95 ${q(95)} ms, p99 ${q(99)} ms, max ${sorted.at(-1)} ms; ${lost} still pending at the end`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: 'presence',
      students: socks.length,
      heartbeats_per_s: round(throughput),
      update_p50_ms: q(50),
      update_p95_ms: q(95),
      update_p99_ms: q(99),
      server_cpu_pct: round(cpuA + cpuB),
      redis_cpu_pct: round(cpuRedis),
    }),
  );
}

await main();
process.exit(0);
