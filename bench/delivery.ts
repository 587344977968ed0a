/**
 * npm run bench:delivery — HLS delivery at district scale through the edge
 * (infra/nginx/lb.conf.template: load balancer + HLS cache), measured on this
 * machine in one run:
 *   1. The origin (bench/deliveryServer.ts, its own process: the whole service)
 *      behind Debian's nginx rendered from the template the deployments use.
 *   2. 1,000 simulated players, each a different signed-in student: half on the
 *      grade's live lesson (private: each renews its viewing pass, then plays
 *      with the cookie), half on the grade's channel (public TV). Each behaves as
 *      hls.js does on a live stream: master playlist once, then its video
 *      rendition's and the audio's playlists every target duration, every new
 *      segment (and the init segments); renditions spread over the ladder as a
 *      grade's mix of phones, tablets and TVs. They join over 10 s (the
 *      morning peak), then are measured for 60 s.
 *      From nginx's access log (format "skyclass", no cookies): the cache hit
 *      ratio of HLS requests, and how often the origin was asked for each
 *      segment of each rendition. From the players: segment latency (p50/p99).
 *      From /proc: CPU of the origin and of nginx.
 *   3. Requests per second for one ~160 KB replay segment with `ab -k -c 50`,
 *      the issue's baseline method: the origin alone (with the viewing pass),
 *      through the cache (warm, same pass) and nginx serving the same file from
 *      disk (static); reported as ratios to nginx static.
 * Last line: {"bench":"delivery","clients":…,"cache_hit_ratio":…,"origin_requests_per_segment":…,
 *   "segment_p99_ms":…,"origin_cpu_pct":…,"nginx_cpu_pct":…,"origin_vs_nginx_rps":…,"cached_vs_nginx_rps":…}
 * Settings: BENCH_CLIENTS (1000), BENCH_WINDOW_MS (60000).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { fetch as ufetch } from 'undici';
import type { PlayerJob, WorkerInput, WorkerReport } from './deliveryPlayers.ts';
import { renderLb } from '../infra/nginx/render.mjs';
import { slideLesson } from '../tests/helpers/fixtures.ts';
import { freePort } from '../tests/helpers/procs.ts';
import { processTicks, ticksToPct } from './cpu.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 60_000);
const RAMP_MS = 10_000;
const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

interface Ready {
  url: string;
  tokensFile: string;
  vodId: string;
  liveId: string;
  storageDir: string;
  segment: { key: string; size: number; path: string };
}

async function ab(url: string, cookie?: string): Promise<{ rps: number; p99: number }> {
  const args = ['-k', '-c', '50', '-t', '5', '-n', '10000000', '-q'];
  if (cookie) args.push('-C', cookie);
  const { stdout } = await execFileP('ab', [...args, url], { maxBuffer: 1 << 24 });
  const rps = Number(/Requests per second:\s+([\d.]+)/.exec(stdout)?.[1]);
  const p99 = Number(/\s99%\s+(\d+)/.exec(stdout)?.[1]);
  const failed = Number(/Failed requests:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  if (failed || non2xx) throw new Error(`ab ${url}: ${failed} failed, ${non2xx} non-2xx`);
  return { rps, p99 };
}

function startNginx(dir: string, conf: string): ChildProcess {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const p = spawn(
    '/usr/bin/setpriv',
    [
      '--pdeathsig',
      'SIGKILL',
      '/usr/sbin/nginx',
      '-p',
      dir,
      '-c',
      path.join(dir, 'nginx.conf'),
      '-g',
      'daemon off;',
    ],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return p;
}

/** nginx's long-lived processes under the master: workers and the cache manager (the cache loader exits). */
function nginxChildren(masterPid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== masterPid) return false;
        return /worker process|cache manager/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (
      await ufetch(url).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-delivery-'));
  console.log('Preparing a 40 s 720p lesson clip (a slide with the teacher’s camera in a corner)…');
  const clip = slideLesson(40);
  // setpriv --pdeathsig: the origin and nginx die with this process, whatever happens to it.
  const server = spawn(
    '/usr/bin/setpriv',
    [
      '--pdeathsig',
      'SIGKILL',
      process.execPath,
      '--import',
      'tsx',
      'bench/deliveryServer.ts',
      path.join(dir, 'origin'),
      clip,
      String(CLIENTS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = await new Promise<Ready>((resolve, reject) => {
    const rl = readline.createInterface({ input: server.stdout! });
    rl.on('line', (l) =>
      l.startsWith('READY ') ? resolve(JSON.parse(l.slice(6))) : console.log(`  origin: ${l}`),
    );
    server.on('exit', (code) => reject(new Error(`the origin exited with ${code}`)));
  });
  const tokens = JSON.parse(fs.readFileSync(ready.tokensFile, 'utf8')) as string[];
  const root = process.getuid?.() === 0 ? 'root root' : undefined;

  const edgePort = await freePort();
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  const accessLog = path.join(dir, 'edge', 'access.log');
  const authCacheDir = fs.mkdtempSync('/dev/shm/skyclass-bench-auth-');
  const edge = startNginx(
    path.join(dir, 'edge'),
    renderLb({
      prefix: path.join(dir, 'edge'),
      listen: `127.0.0.1:${edgePort}`,
      apis: [ready.url.replace('http://', '')],
      user: root,
      cacheSize: '2g',
      accessLog,
      authCacheDir,
    }),
  );
  await waitUp(`${edgeUrl}/readyz`);
  console.log(`Origin ${ready.url} (pid ${server.pid}), edge ${edgeUrl} (nginx pid ${edge.pid}).`);

  // Players join over RAMP_MS (live ones renew their viewing pass first, through the edge), in worker
  // threads: one event loop per core, as a thousand separate devices would not queue behind each other.
  const jobs: PlayerJob[] = Array.from({ length: CLIENTS }, (_, i) =>
    i % 2 === 0
      ? {
          kind: 'live',
          master: `${edgeUrl}/live-hls/${ready.liveId}/master.m3u8`,
          pick: i >> 1,
          accessUrl: `${edgeUrl}/api/hls/access`,
          token: tokens[i],
        }
      : { kind: 'channel', master: `${edgeUrl}/channels/grade-3/master.m3u8`, pick: i >> 1 },
  );
  // One thread per core (more only adds their own overhead on a small machine).
  const WORKERS = Math.max(2, os.availableParallelism());
  const workers = Array.from({ length: WORKERS }, (_, w) => {
    const mine = jobs.filter((_, i) => i % WORKERS === w);
    // The worker loads the TypeScript module through tsx's loader (registered in the thread first).
    const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(new URL('./deliveryPlayers.ts', import.meta.url).href)}); })`;
    return new Worker(boot, {
      eval: true,
      workerData: { jobs: mine, rampMs: RAMP_MS } satisfies WorkerInput,
    });
  });
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
    ),
  );
  await sleep(5000);
  console.log(`${CLIENTS} players joined (${WORKERS} threads); measuring ${WINDOW_MS / 1000} s…`);

  const logStart = fs.existsSync(accessLog) ? fs.statSync(accessLog).size : 0;
  const nginxPids = [edge.pid!, ...nginxChildren(edge.pid!)];
  const t0 = performance.now();
  const o0 = processTicks(server.pid!);
  const n0 = nginxPids.reduce((s, p) => s + processTicks(p), 0);
  const c0 = process.cpuUsage();
  workers.forEach((w) => w.postMessage('measure'));
  await sleep(WINDOW_MS);
  const reports = await Promise.all(
    workers.map(
      (w) =>
        new Promise<WorkerReport>((resolve) => {
          w.once('message', (r: WorkerReport) => resolve(r));
          w.postMessage('stop');
        }),
    ),
  );
  const ms = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  const clientCpu = ((cu.user + cu.system) / 1000 / ms) * 100;
  const originCpu = ticksToPct(processTicks(server.pid!) - o0, ms);
  const nginxCpu = ticksToPct(nginxPids.reduce((s, p) => s + processTicks(p), 0) - n0, ms);
  const stats = {
    segmentMs: reports.flatMap((r) => r.segmentMs),
    playlistMs: reports.flatMap((r) => r.playlistMs),
    requests: reports.reduce((a, r) => a + r.requests, 0),
    bytes: reports.reduce((a, r) => a + r.bytes, 0),
    errors: reports.reduce((a, r) => a + r.errors, 0),
    errorSamples: reports.flatMap((r) => r.errorSamples).slice(0, 10),
  };
  const joined = reports.reduce((a, r) => a + r.joined, 0);
  await Promise.all(workers.map((w) => w.terminate())); // (resolves at once for a thread already gone)
  await sleep(5000); // the players' connections are gone

  // The access log of the window.
  const log = fs.readFileSync(accessLog, 'utf8').slice(logStart).split('\n').filter(Boolean);
  const hls = log
    .map((l) => /"GET (\S+)" (\d{3}) \d+ ([\d.]+) cache=(\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && /^\/(vod|live-hls|channels)\//.test(m[1]!));
  const served = hls.filter((m) => ['HIT', 'UPDATING', 'STALE'].includes(m[4]!)).length;
  const hitRatio = served / Math.max(1, hls.length);
  const originBySegment = new Map<string, number>();
  for (const m of hls) {
    if (m[1]!.endsWith('.m3u8')) continue;
    const fromOrigin = ['MISS', 'EXPIRED', 'BYPASS', 'REVALIDATED'].includes(m[4]!) ? 1 : 0;
    originBySegment.set(m[1]!, (originBySegment.get(m[1]!) ?? 0) + fromOrigin);
  }
  const perSegment = [...originBySegment.values()];
  const originPerSegment = perSegment.reduce((a, b) => a + b, 0) / Math.max(1, perSegment.length);
  const maxPerSegment = Math.max(0, ...perSegment);
  // The edge's own time to serve each segment (nginx $request_time: first byte read to last byte sent).
  const edgeSegmentMs = hls.filter((m) => !m[1]!.endsWith('.m3u8')).map((m) => Number(m[3]) * 1000);
  const playlistOrigin = hls.filter((m) => m[1]!.endsWith('.m3u8') && m[4] !== 'HIT' && m[4] !== 'UPDATING');

  console.log(
    `\n${joined} players (${CLIENTS / 2} live with a viewing pass each, ${CLIENTS / 2} channel), ${round(ms / 1000, 1)} s window:`,
  );
  console.log(
    `  requests ${stats.requests} (${round(stats.requests / (ms / 1000), 0)}/s, ${round((stats.bytes * 8) / (ms / 1000) / 1e6, 0)} Mbit/s), errors ${stats.errors}${stats.errorSamples.length ? ` e.g. ${stats.errorSamples.join(', ')}` : ''}`,
  );
  console.log(
    `  segment latency p50 ${round(pct(stats.segmentMs, 50), 1)} ms, p99 ${round(pct(stats.segmentMs, 99), 1)} ms (${stats.segmentMs.length}); playlist p50 ${round(pct(stats.playlistMs, 50), 1)} ms, p99 ${round(pct(stats.playlistMs, 99), 1)} ms (${stats.playlistMs.length})`,
  );
  console.log(
    `  at the edge (nginx $request_time): segment p50 ${round(pct(edgeSegmentMs, 50), 1)} ms, p99 ${round(pct(edgeSegmentMs, 99), 1)} ms`,
  );
  console.log(
    `  edge cache: hit ratio ${round(hitRatio, 4)} of ${hls.length} HLS requests; origin requests per segment per rendition ${round(originPerSegment, 3)} (max ${maxPerSegment}, ${perSegment.length} segments); playlist fetches from the origin ${playlistOrigin.length}`,
  );
  console.log(
    `  CPU: origin ${round(originCpu, 1)} %, nginx ${round(nginxCpu, 1)} %, the simulated players ${round(clientCpu, 1)} % of one core`,
  );

  // Requests per second on one replay segment: origin alone, through the cache, nginx static.
  const staticPort = await freePort();
  const staticDir = path.join(dir, 'static');
  const staticNginx = startNginx(
    staticDir,
    `${root ? `user ${root};\n` : ''}worker_processes 1;\npid ${staticDir}/nginx.pid;\nerror_log ${staticDir}/error.log warn;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  client_body_temp_path ${staticDir}/body;\n  proxy_temp_path ${staticDir}/proxy;\n  fastcgi_temp_path ${staticDir}/fastcgi;\n  uwsgi_temp_path ${staticDir}/uwsgi;\n  scgi_temp_path ${staticDir}/scgi;\n  server {\n    listen 127.0.0.1:${staticPort};\n    location / { root ${ready.storageDir}; }\n  }\n}\n`,
  );
  await sleep(500);
  const passRes = await ufetch(`${ready.url}/api/hls/access`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[0]}` },
  });
  const pass = passRes.headers
    .getSetCookie()
    .find((c) => c.startsWith('skyclass_hls='))!
    .split(';')[0]!;
  const segPath = `/vod/${ready.vodId}/${ready.segment.path}`;
  const staticUrl = `http://127.0.0.1:${staticPort}/${ready.segment.key}`;
  console.log(
    `\nOne replay segment (${Math.round(ready.segment.size / 1000)} KB), ab -k -c 50 for 5 s, five rounds (medians):`,
  );
  await (await ufetch(`${edgeUrl}${segPath}`, { headers: { cookie: pass } })).arrayBuffer(); // warm the cache
  const runs: Record<'nginxStatic' | 'origin' | 'cached', { rps: number; p99: number }[]> = {
    nginxStatic: [],
    origin: [],
    cached: [],
  };
  // The origin runs last in each round, with a pause after each run: the Node process closing 50
  // connections and collecting garbage would otherwise compete with the next run.
  for (let i = 0; i < 5; i++) {
    runs.nginxStatic.push(await ab(staticUrl));
    await sleep(2000);
    runs.cached.push(await ab(`${edgeUrl}${segPath}`, pass));
    await sleep(2000);
    runs.origin.push(await ab(`${ready.url}${segPath}`, pass));
    await sleep(3000);
  }
  const median = (xs: { rps: number; p99: number }[]) => [...xs].sort((a, b) => a.rps - b.rps)[2]!;
  const nginxStatic = median(runs.nginxStatic);
  const origin = median(runs.origin);
  const cached = median(runs.cached);
  console.log(`  nginx static      ${round(nginxStatic.rps, 0)} req/s, p99 ${nginxStatic.p99} ms`);
  console.log(`  origin alone      ${round(origin.rps, 0)} req/s, p99 ${origin.p99} ms`);
  console.log(`  through the cache ${round(cached.rps, 0)} req/s, p99 ${cached.p99} ms`);

  staticNginx.kill('SIGQUIT');
  edge.kill('SIGQUIT');
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(authCacheDir, { recursive: true, force: true });

  console.log(
    JSON.stringify({
      bench: 'delivery',
      clients: joined,
      cache_hit_ratio: round(hitRatio, 4),
      origin_requests_per_segment: round(originPerSegment, 3),
      segment_p99_ms: round(pct(stats.segmentMs, 99), 1),
      origin_cpu_pct: round(originCpu, 1),
      nginx_cpu_pct: round(nginxCpu, 1),
      origin_vs_nginx_rps: round(origin.rps / nginxStatic.rps, 3),
      cached_vs_nginx_rps: round(cached.rps / nginxStatic.rps, 3),
    }),
  );
}

await main();
