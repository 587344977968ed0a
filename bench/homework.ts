/**
 * `npm run bench:homework`: 2,000 students of one grade hand in homework —
 * three photos of ~1.5 MB each over tus (POST + PATCH per photo, as
 * tus-js-client does with one chunk) and the submission — at random moments
 * within 10 minutes, against one real Skyclass instance, while a live lesson
 * runs on the same machine (the real pipeline: RTP from a sending ffmpeg into
 * LiveHls, one ffmpeg encoding the whole ladder to HLS). A submission's time
 * is from its first byte to the answer of the hand-in; every failure counts.
 *
 * Baseline in the same process tree: the same photo PATCHed to nginx-less
 * plain Node (http.createServer writing the body to disk) gives the cost of
 * the bytes alone; the ratio says what tus, auth, classification and storage
 * add.
 *   usage: npm run bench:homework [-- --students 2000 --window 600]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { processTicks, ticksToPct } from './cpu.ts';
import { LiveHls } from '../media/live/LiveHls.ts';
import { LocalStorage } from '../core/storage/LocalStorage.ts';
import { MemoryLiveState, spawnRtpTeacher } from '../tests/helpers/rtpTeacher.ts';
import { createLogger } from '../server/logger.ts';

const { values: opts } = parseArgs({
  options: {
    students: { type: 'string', default: '2000' },
    window: { type: 'string', default: '600' },
    photos: { type: 'string', default: '3' },
  },
});
const STUDENTS = Number(opts.students);
const WINDOW_S = Number(opts.window);
const PHOTOS = Number(opts.photos);
const PER_CLASS = 50;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

function startServer(
  dir: string,
  tokens: string,
): Promise<{ url: string; pid: number; storage: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/homeworkServer.ts',
      dir,
      String(Math.ceil(STUDENTS / PER_CLASS)),
      String(PER_CLASS),
      tokens,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.on('line', (l) => {
      if (l.startsWith('READY '))
        resolve({ ...(JSON.parse(l.slice(6)) as { url: string; pid: number; storage: string }), child });
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

/** One live lesson's pipeline on this machine: a sending ffmpeg (the SFU's RTP) into LiveHls (ffmpeg ladder → HLS). */
async function startLiveLesson(dir: string): Promise<{ stop: () => Promise<number> }> {
  const state = new MemoryLiveState();
  const live = new LiveHls({
    lessonId: 'live_00000000000bench',
    storage: new LocalStorage({
      root: path.join(dir, 'live-store'),
      baseUrl: () => '',
      signingKey: 'k'.repeat(32),
      defaultUrlTtlMs: 1,
    }),
    workDir: path.join(dir, 'live-work'),
    logger: createLogger('warn'),
    state,
  });
  await live.start();
  const sender = spawnRtpTeacher(live, { size: '1280x720', gop: 50, videoKbps: 1500 });
  return {
    stop: async () => {
      sender.kill('SIGKILL');
      await live.end();
      return state.lists.get('source')?.length ?? 0;
    },
  };
}

/** One photo up over tus in one PATCH, as tus-js-client sends it; returns the file id. */
async function uploadPhoto(url: string, token: string, photo: Uint8Array<ArrayBuffer>): Promise<string> {
  const auth = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
  const created = await fetch(`${url}/api/homework/uploads`, {
    method: 'POST',
    headers: {
      ...auth,
      'upload-length': String(photo.length),
      'upload-metadata': `filename ${btoa('page.jpg')}`,
    },
  });
  if (created.status !== 201) throw new Error(`create ${created.status} ${await created.text()}`);
  const location = new URL(created.headers.get('location')!, url).toString();
  const done = await fetch(location, {
    method: 'PATCH',
    headers: { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
    body: photo,
  });
  if (done.status !== 200) throw new Error(`patch ${done.status} ${await done.text()}`);
  return ((await done.json()) as { file: { id: string } }).file.id;
}

/** The baseline: the same bytes PATCHed to a plain Node server that writes them to disk. */
async function baselineMs(photo: Uint8Array<ArrayBuffer>, dir: string, n: number): Promise<number[]> {
  let i = 0;
  const server = http.createServer((req, res) => {
    const out = fs.createWriteStream(path.join(dir, `plain-${i++ % 50}`));
    req.pipe(out).on('finish', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const times: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    for (let p = 0; p < PHOTOS; p++) {
      const r = await fetch(`http://127.0.0.1:${port}/`, { method: 'PATCH', body: photo });
      await r.arrayBuffer();
    }
    times.push(performance.now() - t0);
  }
  server.close();
  return times;
}

function duBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? duBytes(p) : fs.statSync(p).size;
  }
  return n;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-homework-'));
  const photoFile = path.join(dir, 'page.jpg');
  // A phone camera's page photo: ~1.5 MB JPEG.
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=2400x1800', '-vf', 'noise=alls=14:allf=t'],
    ...['-frames:v', '1', '-q:v', '3', photoFile],
  ]);
  const photo = new Uint8Array(fs.readFileSync(photoFile));
  const tokensFile = path.join(dir, 'tokens.json');
  console.log(`Starting Skyclass with ${STUDENTS} students of grade 3 and one live lesson's pipeline…`);
  const server = await startServer(path.join(dir, 'data'), tokensFile);
  const live = await startLiveLesson(dir);
  const { students } = JSON.parse(fs.readFileSync(tokensFile, 'utf8')) as {
    students: { token: string; assignmentId: string }[];
  };
  const plain = await baselineMs(photo, dir, 20);

  console.log(
    `${STUDENTS} submissions of ${PHOTOS} photos (${(photo.length / 1e6).toFixed(2)} MB each) at random moments over ${WINDOW_S} s…`,
  );
  const times: number[] = [];
  const errors: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const ticks0 = processTicks(server.pid);
  const t0 = performance.now();
  const progress = setInterval(() => {
    console.log(
      `[${Math.round((performance.now() - t0) / 1000)}s] done ${times.length}, failed ${errors.length}, in flight ${inFlight}, p95 ${Math.round(pct(times, 0.95))} ms`,
    );
  }, 30_000);
  await Promise.all(
    students.slice(0, STUDENTS).map(async (s) => {
      await new Promise((r) => setTimeout(r, Math.random() * WINDOW_S * 1000));
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const start = performance.now();
      try {
        const ids: string[] = [];
        for (let p = 0; p < PHOTOS; p++) ids.push(await uploadPhoto(server.url, s.token, photo));
        const res = await fetch(`${server.url}/api/homework/${s.assignmentId}/submission`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ text: '我写完了', attachmentIds: ids }),
        });
        if (res.status !== 200) throw new Error(`submit ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        times.push(performance.now() - start);
      } catch (e) {
        if (errors.length < 5) console.error(`submission failed: ${(e as Error).message}`);
        errors.push((e as Error).message);
      } finally {
        inFlight--;
      }
    }),
  );
  const elapsed = performance.now() - t0;
  clearInterval(progress);
  const serverCpu = ticksToPct(processTicks(server.pid) - ticks0, elapsed);
  const segments = await live.stop();
  const storageBytes = duBytes(server.storage);
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });

  const p95 = pct(times, 0.95);
  console.log(
    [
      `submissions ok ${times.length}/${STUDENTS}, failed ${errors.length}, most at once ${maxInFlight}`,
      `submission p50 ${Math.round(pct(times, 0.5))} ms, p95 ${Math.round(p95)} ms, p99 ${Math.round(pct(times, 0.99))} ms`,
      `baseline (same ${PHOTOS} photos to plain Node writing to disk, no load): p95 ${Math.round(pct(plain, 0.95))} ms; Skyclass p50 / baseline p50 = ${round(pct(times, 0.5) / pct(plain, 0.5), 2)}`,
      `server CPU ${round(serverCpu)} % of one core; stored ${(storageBytes / 1e9).toFixed(2)} GB; the live lesson published ${segments} segments meanwhile`,
    ].join('\n'),
  );
  console.log(
    JSON.stringify({
      bench: 'homework',
      submissions: times.length,
      submit_p95_ms: Math.round(p95),
      server_cpu_pct: round(serverCpu),
      storage_bytes: storageBytes,
    }),
  );
  process.exit(errors.length ? 1 : 0);
}

await main();
