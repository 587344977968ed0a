/**
 * npm run bench:auth — does a login flood slow down what students watch?
 * A real Skyclass instance (own process, production scrypt cost) serves a
 * 1 KB segment at a steady 20 requests/s while, for 30 s, 50 logins/s with
 * unknown usernames and 50/s with wrong passwords arrive from many client
 * addresses. Segment latency is measured idle and under the flood; the same
 * flood against an unguarded instance (hashes unbounded, no login limits:
 * Skyclass before) is the baseline in the same process tree.
 * Last line (exactly these fields): {"bench":"auth","segment_p99_ms_idle":…,"segment_p99_ms_flood":…,"logins_refused_429":…,"scrypt_concurrency_max":…}
 * Target: segment_p99_ms_flood ≤ 50 and ≤ 3 × idle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import http from 'node:http';

/** One HTTP request on a keep-alive agent; resolves with the status once the body is read. */
function hit(
  url: string,
  agent: http.Agent,
  o: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    // A client gives up on a sign-in that hangs (the unguarded server queues thousands of hashes).
    if (o.timeoutMs) req.setTimeout(o.timeoutMs, () => req.destroy(new Error('timeout')));
    req.end(o.body);
  });
}

const FLOOD_MS = Number(process.env.BENCH_FLOOD_MS ?? 30_000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const SEGMENT_RPS = 20;
const LOGINS_PER_S = 50; // of each kind

interface Server {
  url: string;
  pid: number;
  segment: string;
  child: ChildProcess;
}

function startServer(dir: string, mode: 'guarded' | 'unguarded'): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/authServer.ts', dir, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (l.startsWith('READY ')) resolve({ ...(JSON.parse(l.slice(6)) as Omit<Server, 'child'>), child });
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Segment fetches at a steady rate for `ms`; returns their latencies. */
async function segmentLoad(s: Server, ms: number, agent: http.Agent): Promise<number[]> {
  const lat: number[] = [];
  const pending: Promise<void>[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = performance.now();
    pending.push(
      hit(s.url + s.segment, agent).then((r) => {
        if (r.status !== 200) throw new Error(`segment answered ${r.status}`);
        lat.push(performance.now() - t0);
      }),
    );
    await new Promise((r) => setTimeout(r, 1000 / SEGMENT_RPS));
  }
  await Promise.all(pending);
  return lat;
}

/** 50 unknown-username and 50 wrong-password logins per second from many addresses, for `ms`. */
async function flood(s: Server, ms: number, agent: http.Agent): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (let k = 0; k < 2; k++) {
      const i = n++;
      const username = k === 0 ? `ghost-${i}` : `bench-s-${i % 20}`;
      const from = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      pending.push(
        hit(`${s.url}/api/auth/login`, agent, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
          body: JSON.stringify({ username, password: `wrong-${i}` }),
          timeoutMs: 15_000,
        })
          .then((r) => {
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          })
          .catch(() => {
            statuses.timeout = (statuses.timeout ?? 0) + 1;
          }),
      );
    }
    await new Promise((r) => setTimeout(r, 1000 / LOGINS_PER_S));
  }
  await Promise.all(pending);
  return statuses;
}

async function peakHashes(s: Server): Promise<number> {
  const { text } = await hit(`${s.url}/metrics`, new http.Agent(), {
    headers: { authorization: 'Bearer bench-metrics-token-0123' },
  });
  return Number(/^skyclass_password_hashes_peak (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function run(mode: 'guarded' | 'unguarded') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-auth-${mode}-`));
  const s = await startServer(dir, mode);
  const segAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const loginAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  try {
    await segmentLoad(s, 2000, segAgent); // warm up
    const idle = await segmentLoad(s, IDLE_MS, segAgent);
    const [during, statuses] = await Promise.all([
      segmentLoad(s, FLOOD_MS, segAgent),
      flood(s, FLOOD_MS, loginAgent),
    ]);
    const peak = await peakHashes(s);
    return { idle, during, statuses, peak };
  } finally {
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    segAgent.destroy();
    loginAgent.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`Unguarded baseline (no login limits, 16 hashes at once): ${FLOOD_MS / 1000} s flood…`);
  const base = await run('unguarded');
  console.log(`Guarded (rate limits, lockouts, hash bound): ${FLOOD_MS / 1000} s flood…`);
  const g = await run('guarded');
  const row = (name: string, r: Awaited<ReturnType<typeof run>>) =>
    console.log(
      `${name.padEnd(10)} segment p50/p99 idle ${round(pct(r.idle, 50))}/${round(pct(r.idle, 99))} ms, ` +
        `flood ${round(pct(r.during, 50))}/${round(pct(r.during, 99))} ms (max ${round(Math.max(...r.during))}); ` +
        `logins ${JSON.stringify(r.statuses)}; hashes at once ≤ ${r.peak}`,
    );
  row('unguarded', base);
  row('guarded', g);
  const idleP99 = pct(g.idle, 99);
  const floodP99 = pct(g.during, 99);
  console.log(
    `Guarded flood p99 / idle p99 = ${round(floodP99 / idleP99, 2)} (target ≤ 3); ` +
      `unguarded flood p99 ${round(pct(base.during, 99))} ms = ${round(pct(base.during, 99) / floodP99, 1)} × guarded`,
  );
  // The last line: exactly the fields the issue names (scripts read them).
  console.log(
    JSON.stringify({
      bench: 'auth',
      segment_p99_ms_idle: round(idleP99),
      segment_p99_ms_flood: round(floodP99),
      logins_refused_429: g.statuses['429'] ?? 0,
      scrypt_concurrency_max: g.peak,
    }),
  );
}

await main();
