/**
 * npm run pressure — a district's morning, simulated against any Skyclass
 * deployment, before opening day (压力测试):
 *
 *   npm run pressure -- --url https://skyclass.example.edu --students 2000 --co-teachers 80 \
 *     --channels 9 --replays 0.2 --duration 600 --ramp 120 --report pressure-report
 *
 * Students sign in at the morning peak (spread over --ramp seconds), open a
 * socket.io connection with a presence heartbeat every 5 s, and play HLS the
 * way hls.js does: a grade channel (live edge, the media playlist every
 * target duration, each new segment) or, for the --replays share, a replay
 * (segments in order, 30 s ahead of the playhead). Co-teachers sign in, follow
 * their class's presence and poll its dashboard every 10 s. Accounts: the
 * demo district's (default; --demo-per-class if it was made with another
 * number of students a class), or --users a CSV file of username,password
 * (students first, then co-teachers).
 * With --metrics URL[,URL…] (each an api instance's or media node's
 * /metrics; --metrics-token) it samples each component's CPU and memory.
 *
 * Live lessons: with --teach a lead teacher (--teacher user:password, default
 * the demo's lead-g1) broadcasts Chromium's fake camera from the studio page
 * for the whole run (a district admin, --admin user:password, default the
 * demo's admin, allows it outside the timetable: audited as a drill); --live
 * (share, default 0.3) of the students of a grade with a live lesson on watch its live HLS (with the viewing pass) instead of
 * the channel; --webrtc N students of that grade watch it over WebRTC in
 * headless Chromium (--chromium PATH), their time to the first picture
 * recorded as "webrtc". (--live-lesson ID: a lesson someone else broadcasts.)
 *
 * Writes REPORT/summary.json and REPORT/report.html (charts over time:
 * latency percentiles per request kind, errors, bytes, clients, CPU and
 * memory) and says where the limit was reached: the first 3 s with segment
 * p95 over 1 s or more than 1 % errors, at how many clients. The last line
 * printed is the JSON summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startBrowserSide } from './pressureBrowser.ts';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { DEMO_PASSWORD, demoPlan } from '../server/district/demoDistrict.ts';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    students: { type: 'string', default: '100' },
    'co-teachers': { type: 'string', default: '5' },
    channels: { type: 'string', default: '3' },
    replays: { type: 'string', default: '0.2' },
    duration: { type: 'string', default: '60' },
    ramp: { type: 'string', default: '10' },
    report: { type: 'string', default: 'pressure-report' },
    users: { type: 'string' },
    metrics: { type: 'string' },
    'metrics-token': { type: 'string' },
    'demo-per-class': { type: 'string', default: '3' },
    live: { type: 'string', default: '0.3' },
    teach: { type: 'boolean', default: false },
    teacher: { type: 'string', default: 'lead-g1:skyclass2026' },
    admin: { type: 'string', default: 'admin:skyclass2026' },
    webrtc: { type: 'string', default: '0' },
    'live-lesson': { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});

function fail(msg: string): never {
  console.error(
    `pressure: ${msg}\nusage: npm run pressure -- --url https://… [--students N] [--co-teachers M] [--channels K] [--duration S] …`,
  );
  process.exit(2);
}
const num = (k: keyof typeof a, min: number, max: number) => {
  const n = Number(a[k]);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${k} must be a number from ${min} to ${max}`);
  return n;
};
if (!a.url || !/^https?:\/\//.test(a.url))
  fail('--url must be the deployment’s address, e.g. https://skyclass.example.edu');
const BASE = a.url.replace(/\/$/, '');
const STUDENTS = num('students', 1, 200_000);
const CO_TEACHERS = num('co-teachers', 0, 20_000);
const CHANNELS = num('channels', 1, 12);
const REPLAYS = num('replays', 0, 1);
const DURATION_MS = num('duration', 5, 24 * 3600) * 1000;
const RAMP_MS = num('ramp', 0, 3600) * 1000;
const LIVE_SHARE = num('live', 0, 1);
const WEBRTC = num('webrtc', 0, 500);

type Account = { username: string; password: string };
function accounts(): { students: Account[]; coTeachers: Account[] } {
  if (a.users) {
    const rows = fs
      .readFileSync(a.users, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.split(','))
      .filter((r) => r.length >= 2 && r[0] && r[0] !== 'username')
      .map(([username, password]) => ({ username: username!.trim(), password: password!.trim() }));
    return { students: rows.slice(0, STUDENTS), coTeachers: rows.slice(STUDENTS, STUDENTS + CO_TEACHERS) };
  }
  // The demo district as `npm run demo` made it (3 students a class; the tests seed 2).
  const plan = demoPlan(num('demo-per-class', 1, 1000));
  const of = (role: string) =>
    plan.users.filter((u) => u.role === role).map((u) => ({ username: u.username, password: DEMO_PASSWORD }));
  // --channels K: students of grades 1..K, each watching its own grade's channel.
  const students = of('student').filter((u) => Number(/-g(\d+)-/.exec(u.username)?.[1] ?? 0) <= CHANNELS);
  const coTeachers = of('co_teacher');
  if (students.length < STUDENTS)
    fail(
      `the demo district has ${students.length} students; use --users with a CSV of real accounts for more`,
    );
  return { students: students.slice(0, STUDENTS), coTeachers: coTeachers.slice(0, CO_TEACHERS) };
}

// ---- recording: per second, per request kind ----
type Kind = 'login' | 'playlist' | 'segment' | 'api' | 'heartbeat' | 'webrtc';
interface Second {
  lat: Record<Kind, number[]>;
  errors: number;
  requests: number;
  bytes: number;
  clients: number;
}
const t0 = Date.now();
const seconds: Second[] = [];
const sec = (at = Date.now()) => {
  const i = Math.floor((at - t0) / 1000);
  while (seconds.length <= i)
    seconds.push({
      lat: { login: [], playlist: [], segment: [], api: [], heartbeat: [], webrtc: [] },
      errors: 0,
      requests: 0,
      bytes: 0,
      clients: active,
    });
  return seconds[i]!;
};
let active = 0;
const errorSamples: string[] = [];

async function timed(kind: Kind, url: string, init?: RequestInit): Promise<Response | undefined> {
  const start = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) }).catch((err: Error) => err);
  return record(kind, url, res, start);
}

/** Records one answer (or the error instead of one): latency, bytes, errors. */
async function record(
  kind: Kind,
  url: string,
  res: Response | Error | undefined,
  start: number,
): Promise<Response | undefined> {
  try {
    if (!res || res instanceof Error) throw res ?? new Error('no answer');
    const body = await res.arrayBuffer();
    const s = sec();
    s.lat[kind].push(Date.now() - start);
    s.requests++;
    s.bytes += body.byteLength;
    if (!res.ok) {
      s.errors++;
      if (errorSamples.length < 20) {
        errorSamples.push(`${res.status} ${kind} ${new URL(url).pathname}`);
        console.error(`[error] ${errorSamples.at(-1)}`); // the first ones as they happen
      }
      return undefined;
    }
    return new Response(body, { status: res.status, headers: res.headers });
  } catch (err) {
    const s = sec();
    s.requests++;
    s.errors++;
    if (errorSamples.length < 20) errorSamples.push(`${(err as Error).message} ${kind}`);
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const deadline = t0 + RAMP_MS + DURATION_MS;
const running = () => Date.now() < deadline;

/** Sign-ins the service asked to wait (429 + Retry-After: its login protections) and that were tried again. */
let loginsDeferred = 0;

async function login(acc: Account): Promise<{ token: string; grade?: number } | undefined> {
  // As the sign-in page does: a 429 says how long to wait; a person waits and tries again (3 times).
  let res: Response | undefined;
  for (let attempt = 0; ; attempt++) {
    const start = Date.now();
    const r = await fetch(`${BASE}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(acc),
      signal: AbortSignal.timeout(20_000),
    }).catch(() => undefined);
    if (r?.status === 429 && attempt < 3 && running()) {
      await r.arrayBuffer();
      loginsDeferred++;
      await sleep(Math.min(60, Number(r.headers.get('retry-after') ?? 5)) * 1000);
      continue;
    }
    res = await record('login', `${BASE}/api/auth/login`, r, start);
    break;
  }
  if (!res) return undefined;
  const body = (await res.json()) as { token: string; user: { grades?: number[]; grade?: number } };
  return { token: body.token, grade: body.user.grade ?? body.user.grades?.[0] };
}

const parseMedia = (text: string, base: string) => {
  const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 4);
  const ended = text.includes('#EXT-X-ENDLIST');
  const lines = text.split('\n');
  const segs: { url: string; dur: number }[] = [];
  let dur = target;
  let map: string | undefined;
  for (const l of lines) {
    if (l.startsWith('#EXTINF:')) dur = parseFloat(l.slice(8));
    else if (l.startsWith('#EXT-X-MAP:')) map = /URI="([^"]+)"/.exec(l)?.[1];
    else if (l && !l.startsWith('#')) segs.push({ url: new URL(l, base).href, dur });
  }
  return { target, ended, segs, map: map ? new URL(map, base).href : undefined };
};

/** A master playlist's middle variant (hls.js starts low and climbs; the middle is a fair average). */
async function variant(masterUrl: string, headers: Record<string, string>): Promise<string | undefined> {
  const res = await timed('playlist', masterUrl, { headers });
  if (!res) return undefined;
  const lines = (await res.text()).split('\n');
  const uris = lines.filter(
    (l, i) => l && !l.startsWith('#') && lines[i - 1]?.startsWith('#EXT-X-STREAM-INF'),
  );
  return uris.length ? new URL(uris[Math.floor(uris.length / 2)]!, masterUrl).href : undefined;
}

/** A live playlist at hls.js's cadence: reload every target duration, fetch each new segment. */
async function playLive(masterUrl: string, headers: Record<string, string>): Promise<void> {
  const media = await variant(masterUrl, headers);
  if (!media) return;
  const seen = new Set<string>();
  let first = true;
  let mapFetched = '';
  while (running()) {
    const res = await timed('playlist', media, { headers });
    if (!res) {
      await sleep(2000);
      continue;
    }
    const pl = parseMedia(await res.text(), media);
    if (pl.map && pl.map !== mapFetched) {
      mapFetched = pl.map;
      await timed('segment', pl.map, { headers });
    }
    // hls.js starts three target durations from the live edge.
    const fresh = pl.segs.filter((s) => !seen.has(s.url));
    for (const s of first ? fresh.slice(-3) : fresh) {
      seen.add(s.url);
      await timed('segment', s.url, { headers });
    }
    for (const s of fresh) seen.add(s.url);
    first = false;
    await sleep(pl.target * 1000);
  }
}

/** A replay from its start: segments in order, at most 30 s ahead of the playhead. */
async function playReplay(masterUrl: string, headers: Record<string, string>): Promise<void> {
  const media = await variant(masterUrl, headers);
  if (!media) return;
  const res = await timed('playlist', media, { headers });
  if (!res) return;
  const pl = parseMedia(await res.text(), media);
  if (pl.map) await timed('segment', pl.map, { headers });
  const started = Date.now();
  let buffered = 0;
  for (const s of pl.segs) {
    if (!running()) return;
    const ahead = buffered - (Date.now() - started) / 1000;
    if (ahead > 30) await sleep((ahead - 30) * 1000);
    await timed('segment', s.url, { headers });
    buffered += s.dur;
  }
}

/** A replay this student may watch: a ready lesson of its own grade (the catalogue lists only those). */
async function ownReplay(auth: Record<string, string>, i: number): Promise<string | undefined> {
  const res = await timed('api', `${BASE}/api/lessons`, { headers: auth });
  if (!res) return undefined;
  const ids = ((await res.json()) as { lessons: { id: string; status: string }[] }).lessons
    .filter((l) => l.status === 'ready')
    .map((l) => l.id);
  return ids.length ? ids[i % ids.length] : undefined;
}

async function student(acc: Account, i: number): Promise<void> {
  await sleep((RAMP_MS * i) / STUDENTS);
  const signedIn = await login(acc);
  if (!signedIn) return;
  const { token } = signedIn;
  active++;
  const auth = { authorization: `Bearer ${token}` };
  const replay = Math.random() < REPLAYS ? await ownReplay(auth, i) : undefined;
  // Its own grade's channel (the only one its heartbeats count for).
  const grade = signedIn.grade ?? (Number(/-g(\d+)-/.exec(acc.username)?.[1]) || (i % CHANNELS) + 1);
  const socket: Socket = io(BASE, {
    path: '/socket.io',
    auth: { token },
    transports: ['websocket'],
    reconnection: true,
  });
  const tab = `p${i.toString(36).padStart(6, '0')}`;
  const beat = setInterval(() => {
    const start = Date.now();
    socket
      // A late answer is latency (a player does not wait for it; it shows in the heartbeat p95); an error
      // is none within 30 s, or the connection dropping with the beat unanswered.
      .timeout(30_000)
      .emitWithAck('presence:beat', {
        kind: replay ? 'vod' : 'channel',
        ref: replay ?? `grade-${grade}`,
        tab,
        device: 'desktop',
      })
      .then(
        (r: { error?: { code?: string } }) => {
          const s = sec();
          s.requests++;
          s.lat.heartbeat.push(Date.now() - start);
          if (r?.error) {
            s.errors++;
            if (errorSamples.length < 20) errorSamples.push(`heartbeat refused: ${r.error.code}`);
          }
        },
        (err: Error) => {
          const s = sec();
          s.requests++;
          s.errors++;
          if (errorSamples.length < 20)
            errorSamples.push(
              socket.connected
                ? `heartbeat: no answer in 30 s (${err.message})`
                : `heartbeat: the connection dropped before the answer (${err.message})`,
            );
        },
      );
  }, 5000);
  // The HLS viewing pass (a cookie the playback answer sets), renewed every 4 min as the web app does.
  const media: Record<string, string> = {};
  const keepPass = (res: Response | undefined) => {
    const pass = res?.headers
      .getSetCookie()
      .map((c) => /^skyclass_hls=([^;]+)/.exec(c)?.[1])
      .find(Boolean);
    if (pass) media.cookie = `skyclass_hls=${pass}`;
  };
  const renew = setInterval(
    () => void timed('api', `${BASE}/api/hls/access`, { method: 'POST', headers: auth }).then(keepPass),
    4 * 60_000,
  );
  try {
    // A live lesson of its grade on now: some of the grade watch its live HLS (as students do by default).
    const liveId = !replay && Math.random() < LIVE_SHARE ? await liveLessonOf(auth) : undefined;
    if (liveId) {
      const pb = await timed('api', `${BASE}/api/live/${liveId}/playback`, { headers: auth });
      keepPass(pb);
      if (pb)
        await playLive(new URL(((await pb.json()) as { masterUrl: string }).masterUrl, BASE).href, media);
    } else if (replay) {
      const id = replay;
      const pb = await timed('api', `${BASE}/api/lessons/${id}/playback`, { headers: auth });
      keepPass(pb);
      if (pb)
        await playReplay(new URL(((await pb.json()) as { masterUrl: string }).masterUrl, BASE).href, media);
    } else await playLive(`${BASE}/channels/grade-${grade}/master.m3u8`, {});
    while (running()) await sleep(1000);
  } finally {
    clearInterval(beat);
    clearInterval(renew);
    socket.close();
    active--;
  }
}

/** The live lesson on now for this student's grade (the API lists only its grades), if any. */
async function liveLessonOf(auth: Record<string, string>): Promise<string | undefined> {
  const res = await timed('api', `${BASE}/api/live`, { headers: auth });
  if (!res) return undefined;
  return ((await res.json()) as { lessons: { id: string; status: string }[] }).lessons.find(
    (l) => l.status === 'live',
  )?.id;
}

async function coTeacher(acc: Account, i: number): Promise<void> {
  await sleep((RAMP_MS * i) / Math.max(1, CO_TEACHERS));
  const signedIn = await login(acc);
  if (!signedIn) return;
  const { token } = signedIn;
  const auth = { authorization: `Bearer ${token}` };
  const me = await timed('api', `${BASE}/api/me`, { headers: auth });
  const classId = me
    ? ((await me.json()) as { user: { classIds?: string[] } }).user.classIds?.[0]
    : undefined;
  if (!classId) return;
  const socket: Socket = io(BASE, { path: '/socket.io', auth: { token }, transports: ['websocket'] });
  socket.emit('presence:subscribe', classId);
  try {
    while (running()) {
      await timed('api', `${BASE}/api/classes/${classId}/presence`, { headers: auth });
      await sleep(10_000);
    }
  } finally {
    socket.close();
  }
}

// ---- components' CPU and memory, from their /metrics ----
interface Sample {
  t: number;
  cpuPct: number;
  memMb: number;
}
const components = (a.metrics ?? '')
  .split(',')
  .filter(Boolean)
  .map((url) => ({
    url,
    samples: [] as Sample[],
    last: undefined as { t: number; cpu: number } | undefined,
  }));
async function sampleComponents(): Promise<void> {
  for (const c of components) {
    try {
      const res = await fetch(c.url, {
        headers: a['metrics-token'] ? { authorization: `Bearer ${a['metrics-token']}` } : {},
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      const cpu = Number(/^skyclass_process_cpu_seconds_total (\S+)$/m.exec(text)?.[1]);
      const mem = Number(/^skyclass_process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]);
      const t = Date.now();
      if (c.last && Number.isFinite(cpu))
        c.samples.push({
          t: t - t0,
          cpuPct: ((cpu - c.last.cpu) / ((t - c.last.t) / 1000)) * 100,
          memMb: mem / 2 ** 20,
        });
      if (Number.isFinite(cpu)) c.last = { t, cpu };
    } catch {
      /* the component is unreachable now: a gap in its chart */
    }
  }
}

// ---- summary and report ----
const q = (xs: number[], p: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function summarize() {
  const kinds: Kind[] = ['login', 'playlist', 'segment', 'api', 'heartbeat', 'webrtc'];
  const all = Object.fromEntries(kinds.map((k) => [k, seconds.flatMap((s) => s.lat[k])])) as Record<
    Kind,
    number[]
  >;
  const requests = seconds.reduce((n, s) => n + s.requests, 0);
  const errors = seconds.reduce((n, s) => n + s.errors, 0);
  let limit: { atClients: number; atSecond: number; reason: string } | null = null;
  for (let i = 0; i + 2 < seconds.length && !limit; i++) {
    const win = seconds.slice(i, i + 3);
    const bad = win.every(
      (s) => (q(s.lat.segment, 95) ?? 0) > 1000 || (s.requests > 0 && s.errors / s.requests > 0.01),
    );
    if (bad)
      limit = {
        atClients: seconds[i]!.clients,
        atSecond: i,
        reason:
          (q(seconds[i]!.lat.segment, 95) ?? 0) > 1000 ? 'segment p95 over 1 s' : 'more than 1 % errors',
      };
  }
  return {
    tool: 'pressure',
    url: BASE,
    students: STUDENTS,
    coTeachers: CO_TEACHERS,
    durationS: Math.round((Date.now() - t0) / 1000),
    requests,
    errors,
    errorRate: requests ? Math.round((errors / requests) * 10000) / 10000 : 0,
    /** Sign-ins told to wait (429) and tried again after Retry-After, as people do (not errors). */
    loginsDeferred,
    megabytes: Math.round(seconds.reduce((n, s) => n + s.bytes, 0) / 2 ** 20),
    latencyMs: Object.fromEntries(
      kinds.map((k) => [
        k,
        { count: all[k].length, p50: q(all[k], 50), p95: q(all[k], 95), p99: q(all[k], 99) },
      ]),
    ),
    peakClients: Math.max(0, ...seconds.map((s) => s.clients)),
    limit,
    components: components.map((c) => ({
      url: c.url,
      cpuPctAvg: c.samples.length
        ? Math.round(c.samples.reduce((n, s) => n + s.cpuPct, 0) / c.samples.length)
        : null,
      memStartMb: c.samples[0] ? Math.round(c.samples[0].memMb) : null,
      memEndMb: c.samples.at(-1) ? Math.round(c.samples.at(-1)!.memMb) : null,
    })),
    errorSamples,
  };
}

/** A small SVG line chart: one polyline per series over the run's seconds. */
function chart(title: string, unit: string, series: { name: string; points: [number, number][] }[]): string {
  const W = 720;
  const H = 180;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const maxX = Math.max(1, ...xs);
  const maxY = Math.max(1, ...ys);
  const colors = ['#1a73e8', '#d93025', '#188038', '#f29900', '#9334e6', '#5f6368'];
  const lines = series
    .map(
      (s, i) =>
        `<polyline fill="none" stroke="${colors[i % colors.length]}" stroke-width="1.5" points="${s.points
          .map(
            ([x, y]) =>
              `${((x / maxX) * (W - 50) + 45).toFixed(1)},${(H - 20 - (y / maxY) * (H - 40)).toFixed(1)}`,
          )
          .join(' ')}"/>`,
    )
    .join('');
  const legend = series
    .map((s, i) => `<tspan fill="${colors[i % colors.length]}">■ ${s.name}</tspan>`)
    .join(' ');
  return `<h2>${title}</h2><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${title}">
<line x1="45" y1="${H - 20}" x2="${W - 5}" y2="${H - 20}" stroke="#999"/><line x1="45" y1="10" x2="45" y2="${H - 20}" stroke="#999"/>
<text x="0" y="16" font-size="11">${Math.round(maxY)} ${unit}</text><text x="${W - 60}" y="${H - 4}" font-size="11">${maxX} s</text>
${lines}<text x="50" y="${H - 4}" font-size="11">${legend}</text></svg>`;
}

/** One line per component (an api instance, a media node) over the run. */
const componentChart = (title: string, unit: string, value: (x: Sample) => number) =>
  components.length
    ? chart(
        title,
        unit,
        components.map((c) => ({
          name: c.url,
          points: c.samples.map((x) => [Math.round(x.t / 1000), value(x)] as [number, number]),
        })),
      )
    : '';

function writeReport(summary: ReturnType<typeof summarize>): void {
  fs.mkdirSync(a.report!, { recursive: true });
  fs.writeFileSync(path.join(a.report!, 'summary.json'), JSON.stringify(summary, null, 2));
  const per = (f: (s: Second) => number) => seconds.map((s, i) => [i, f(s)] as [number, number]);
  const kinds: Kind[] = ['segment', 'playlist', 'login', 'api', 'heartbeat', 'webrtc'];
  const html = `<!doctype html><meta charset="utf-8"><title>Skyclass pressure test</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:800px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px}</style>
<h1>Skyclass pressure test · 压力测试</h1>
<p>${summary.url} · ${summary.students} students, ${summary.coTeachers} co-teachers · ${summary.durationS} s ·
${summary.requests} requests, ${summary.errors} errors (${(summary.errorRate * 100).toFixed(2)} %) · ${summary.megabytes} MB ·
${summary.loginsDeferred} sign-ins told to wait (429) and tried again</p>
<p><strong>${summary.limit ? `Limit reached at ${summary.limit.atClients} clients (${summary.limit.reason}, second ${summary.limit.atSecond}).` : 'No limit reached: segment p95 stayed under 1 s and errors under 1 %.'}</strong></p>
<table><tr><th>request</th><th>count</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th></tr>
${Object.entries(summary.latencyMs)
  .map(
    ([k, v]) =>
      `<tr><td>${k}</td><td>${v.count}</td><td>${v.p50 ?? '—'}</td><td>${v.p95 ?? '—'}</td><td>${v.p99 ?? '—'}</td></tr>`,
  )
  .join('')}</table>
${chart(
  'p95 latency by request',
  'ms',
  kinds.map((k) => ({ name: k, points: per((s) => q(s.lat[k], 95) ?? 0) })),
)}
${chart('p99 segment latency', 'ms', [{ name: 'segment p99', points: per((s) => q(s.lat.segment, 99) ?? 0) }])}
${chart('errors per second', '/s', [{ name: 'errors', points: per((s) => s.errors) }])}
${chart('throughput', 'MB/s', [{ name: 'MB/s', points: per((s) => s.bytes / 2 ** 20) }])}
${chart('clients', '', [{ name: 'signed-in students', points: per((s) => s.clients) }])}
${componentChart('CPU of each component', '%', (x) => x.cpuPct)}
${componentChart('memory of each component', 'MB', (x) => x.memMb)}
${summary.errorSamples.length ? `<h2>First errors</h2><ul>${summary.errorSamples.map((e) => `<li>${e.replace(/</g, '&lt;')}</li>`).join('')}</ul>` : ''}`;
  fs.writeFileSync(path.join(a.report!, 'report.html'), html);
}

function adminAccount(): { username: string; password: string } {
  const [username, password] = a.admin!.split(':');
  return { username: username!, password: password ?? DEMO_PASSWORD };
}

async function main(): Promise<void> {
  const { students, coTeachers } = accounts();
  // Real browsers: a teacher broadcasting, WebRTC viewers of that lesson.
  let browsers: Awaited<ReturnType<typeof startBrowserSide>> | undefined;
  if (a.teach || WEBRTC > 0) {
    const [tUser, tPass] = a.teacher!.split(':');
    const grade = Number(/-g(\d+)/.exec(tUser ?? '')?.[1] ?? 1);
    browsers = await startBrowserSide({
      base: BASE,
      chromiumPath: a.chromium!,
      teacher: a.teach ? { username: tUser!, password: tPass ?? DEMO_PASSWORD, grade } : undefined,
      admin: a.teach ? adminAccount() : undefined,
      liveLessonId: a['live-lesson'],
      viewers: students.filter((s) => s.username.includes(`-g${grade}-`)).slice(0, WEBRTC),
      record: (ms, error) => {
        const s = sec();
        s.requests++;
        if (ms !== undefined) s.lat.webrtc.push(ms);
        if (error) {
          s.errors++;
          if (errorSamples.length < 20) errorSamples.push(error);
        }
      },
      running,
      log: (m) => console.error(m),
    });
  }
  const sampler = setInterval(() => void sampleComponents(), 5000);
  const ticker = setInterval(() => {
    sec();
    const s = seconds.at(-2);
    if (s && seconds.length % 10 === 0)
      console.error(
        `[${seconds.length - 1}s] clients ${active}, ${s.requests} req/s, segment p95 ${q(s.lat.segment, 95) ?? '—'} ms, errors ${s.errors}`,
      );
  }, 1000);
  await sampleComponents();
  await Promise.all([
    ...students.map((acc, i) => student(acc, i)),
    ...coTeachers.map((acc, i) => coTeacher(acc, i)),
  ]);
  await browsers?.close();
  clearInterval(sampler);
  clearInterval(ticker);
  await sampleComponents();
  const summary = summarize();
  writeReport(summary);
  console.error(
    summary.limit
      ? `Limit reached at ${summary.limit.atClients} clients: ${summary.limit.reason}.`
      : 'No limit reached.',
  );
  console.error(`Report: ${path.resolve(a.report!, 'report.html')}`);
  console.log(JSON.stringify(summary));
}

await main();
process.exit(0);
