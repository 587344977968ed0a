/**
 * npm run bench:channels — what stitched channel playout costs, against a
 * re-encoding playout engine, measured in the same run on this machine:
 *   1. Skyclass's channel server (bench/channelsServer.ts, its own process)
 *      with 1, 10 and 100 channels, each polled by one simulated player that
 *      behaves like hls.js on a live stream: reload the media playlist of its
 *      rendition and of the audio every target duration, download every new
 *      segment (and init segment). CPU % of one core and RSS of the server.
 *   2. One channel made the way playout engines such as ffplayout make it:
 *      one ffmpeg decoding the lesson in real time and encoding the same
 *      ladder (720/480/360/144 + audio) to HLS. CPU % of one core.
 *   3. The scheduler's switch lateness: two Scheduler instances on the
 *      server's Redis fire a switch every 100 ms on 100 channels while the
 *      100-channel load runs; lateness = fired − due (p50/p95/p99/max).
 * cpu_pct_100_channels is the origin's cost when a CDN serves the segments (the
 * architecture: S3 + CDN for HLS delivery); the cost of also serving every
 * segment from the Node process is reported next to it.
 * Last line: {"bench":"channels","cpu_pct_100_channels":..,"cpu_pct_reencode_1_channel":..,"switch_p99_ms":..}
 */
import { processCpuPct, processRssMb } from './cpu.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Redis } from 'ioredis';
import { clip as makeClip } from '../tests/helpers/fixtures.ts';
import { onePassLadderArgs } from '../core/ffmpeg/args.ts';
import { chooseLadder } from '../core/ffmpeg/ladder.ts';
import { Scheduler, type Switch } from '../server/scheduler/Scheduler.ts';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 20_000);
const LEVELS = [1, 10, 100];
const RENDITIONS = ['1080p', '720p', '480p', '360p', '144p'];

const rssMb = processRssMb;
const cpuPct = processCpuPct;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** A player like hls.js on a live stream: reload each playlist every target duration, fetch what is new. */
class Player {
  #stop = false;
  #seen = new Set<string>();
  bytes = 0;
  requests = 0;
  errors = 0;
  constructor(
    readonly base: string,
    readonly renditions: string[],
    /** false: a CDN serves the segments, the origin sees only playlist reloads. */
    readonly segments = true,
  ) {}
  start(): void {
    for (const r of this.renditions) void this.#loop(`${this.base}/${r}/index.m3u8`);
  }
  stop(): void {
    this.#stop = true;
  }
  async #get(url: string): Promise<string | undefined> {
    this.requests++;
    try {
      const res = await fetch(url);
      if (!res.ok) {
        this.errors++;
        await res.arrayBuffer();
        return undefined;
      }
      if (url.endsWith('.m3u8')) return await res.text();
      this.bytes += (await res.arrayBuffer()).byteLength;
      return '';
    } catch {
      this.errors++;
      return undefined;
    }
  }
  async #loop(url: string): Promise<void> {
    // Players start at different moments.
    await new Promise((r) => setTimeout(r, Math.random() * 4000));
    while (!this.#stop) {
      const text = await this.#get(url);
      let target = 4;
      if (text) {
        target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 4);
        const uris = [
          ...[...text.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].map((m) => m[1]!),
          ...text.split('\n').filter((l) => l && !l.startsWith('#')),
        ].map((u) => new URL(u, url).toString());
        // A new player takes the last 3 segments; then only what is new.
        const fresh = uris.filter((u) => !this.#seen.has(u));
        for (const u of this.#seen.size ? fresh : fresh.slice(-4)) {
          this.#seen.add(u);
          if (this.segments) await this.#get(u);
        }
        uris.forEach((u) => this.#seen.add(u));
      }
      await new Promise((r) => setTimeout(r, target * 1000));
    }
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-channels-'));
  console.log('Preparing a 60 s 720p lesson clip…');
  const clip = makeClip({ seconds: 60, width: 1280, height: 720, name: 'bench_channels_720p_60s.mp4' });
  const first = Date.now() + 90_000; // the first lesson starts after the setup (transcode + slates)
  const server: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/channelsServer.ts', dir, clip, String(Math.max(...LEVELS)), String(first)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = await new Promise<{ url: string; redisSock: string }>((resolve, reject) => {
    const rl = readline.createInterface({ input: server.stdout! });
    rl.on('line', (l) =>
      l.startsWith('READY ') ? resolve(JSON.parse(l.slice(6))) : console.log(`  server: ${l}`),
    );
    server.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const pid = server.pid!;
  console.log(`Channel server ready (pid ${pid}); waiting for the first lesson…`);
  await new Promise((r) => setTimeout(r, Math.max(0, first - Date.now() - 5000)));

  const results: Record<
    number,
    { cpu: number; rss: number; reqPerSec: number; mbitPerSec: number; errors: number }
  > = {};
  let lateness: number[] = [];
  for (const n of LEVELS) {
    const players = Array.from(
      { length: n },
      (_, i) =>
        new Player(`${ready.url}/channels/grade-${i + 1}`, [RENDITIONS[i % RENDITIONS.length]!, 'audio']),
    );
    players.forEach((p) => p.start());
    await new Promise((r) => setTimeout(r, 6000)); // players have joined
    const req0 = players.reduce((s, p) => s + p.requests, 0);
    const bytes0 = players.reduce((s, p) => s + p.bytes, 0);
    let scheduler: Promise<number[]> | undefined;
    if (n === Math.max(...LEVELS)) scheduler = switchLateness(ready.redisSock, WINDOW_MS);
    const cpu = await cpuPct(pid, WINDOW_MS);
    if (scheduler) lateness = await scheduler;
    const req = players.reduce((s, p) => s + p.requests, 0) - req0;
    const bytes = players.reduce((s, p) => s + p.bytes, 0) - bytes0;
    results[n] = {
      cpu: round(cpu),
      rss: round(rssMb(pid), 0),
      reqPerSec: round(req / (WINDOW_MS / 1000)),
      mbitPerSec: round((bytes * 8) / 1e6 / (WINDOW_MS / 1000)),
      errors: players.reduce((s, p) => s + p.errors, 0),
    };
    players.forEach((p) => p.stop());
    console.log(
      `${String(n).padStart(3)} stitched channel(s): server ${results[n]!.cpu} % of a core, RSS ${results[n]!.rss} MB, ${results[n]!.reqPerSec} req/s, ${results[n]!.mbitPerSec} Mbit/s served, ${results[n]!.errors} errors`,
    );
    await new Promise((r) => setTimeout(r, 4500)); // the players' last requests finish
  }
  // Behind a CDN the origin sees the playlist reloads only (segments are immutable and cached at the edge).
  const cdn = Array.from(
    { length: 100 },
    (_, i) =>
      new Player(
        `${ready.url}/channels/grade-${i + 1}`,
        [RENDITIONS[i % RENDITIONS.length]!, 'audio'],
        false,
      ),
  );
  cdn.forEach((p) => p.start());
  await new Promise((r) => setTimeout(r, 6000));
  const playlistsOnly = round(await cpuPct(pid, WINDOW_MS));
  cdn.forEach((p) => p.stop());
  console.log(
    `100 stitched channels, playlists only (segments from a CDN): server ${playlistsOnly} % of a core`,
  );
  server.kill('SIGTERM');

  // The re-encoding baseline: decode in real time, encode the ladder, as a playout engine does.
  const out = path.join(dir, 'reencode');
  const rungs = chooseLadder({ width: 1280, height: 720, fps: 25 });
  for (const r of [...rungs.map((x) => x.name), 'audio'])
    fs.mkdirSync(path.join(out, r), { recursive: true });
  const args = onePassLadderArgs(clip, { outDir: out, rungs, withAudio: true, preset: 'veryfast' });
  args.splice(args.indexOf('-i'), 0, '-re', '-stream_loop', '-1');
  const ff = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((r) => setTimeout(r, 5000));
  const reencode = round(await cpuPct(ff.pid!, WINDOW_MS));
  ff.kill('SIGKILL');
  console.log(
    `  1 re-encoding channel (ffmpeg, ${rungs.map((r) => r.name).join('/')} + audio, veryfast): ${reencode} % of a core`,
  );

  const sorted = [...lateness].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  console.log(
    `Scheduler switch lateness over ${sorted.length} switches (with 100 channels being played): p50 ${q(50)} ms, p95 ${q(95)} ms, p99 ${q(99)} ms, max ${sorted.at(-1)} ms`,
  );
  // In Skyclass's architecture segments are served by S3 + a CDN; the origin computes playlists.
  const per100 = playlistsOnly;
  console.log(
    `100 stitched channels cost ${per100} % of a core as an origin behind a CDN (target < 5 %), ${results[100]!.cpu} % when this process also serves every segment; one re-encoded channel costs ${reencode} %: ${round(reencode / Math.max(per100, 0.1), 0)}× the whole 100.`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: 'channels',
      cpu_pct_1_channel: results[1]!.cpu,
      cpu_pct_10_channels: results[10]!.cpu,
      cpu_pct_100_channels: per100,
      cpu_pct_100_channels_serving_segments: results[100]!.cpu,
      rss_mb_100_channels: results[100]!.rss,
      cpu_pct_reencode_1_channel: reencode,
      switch_p50_ms: q(50),
      switch_p99_ms: q(99),
    }),
  );
}

/** Two scheduler instances on the server's Redis; a switch every 100 ms, spread over 100 channels. */
async function switchLateness(sock: string, ms: number): Promise<number[]> {
  const conns = [0, 1].map(() => new Redis({ path: sock }));
  const t0 = Date.now() + 1500;
  const switches: Switch[] = Array.from({ length: Math.floor(ms / 100) - 20 }, (_, i) => ({
    id: `bench-${t0}-${i}`,
    channel: `grade-${(i % 100) + 1}`,
    at: t0 + i * 100,
    kind: 'start',
    slotId: `s${i}`,
  }));
  const source = async (from: number, to: number) => switches.filter((s) => s.at >= from && s.at <= to);
  const schedulers = conns.map((redis) => new Scheduler({ redis, switches: source, replanMs: 1000 }));
  schedulers.forEach((s) => s.start());
  await new Promise((r) => setTimeout(r, switches.at(-1)!.at - Date.now() + 1000));
  const events = await Scheduler.events(conns[0]!);
  await Promise.all(schedulers.map((s) => s.stop()));
  conns.forEach((c) => c.disconnect());
  const mine = events.filter((e) => String(e.id).startsWith(`bench-${t0}-`));
  const ids = new Set(mine.map((e) => e.id));
  if (ids.size !== switches.length || mine.length !== switches.length)
    throw new Error(
      `scheduler fired ${mine.length} events for ${switches.length} switches (${ids.size} distinct)`,
    );
  return mine.map((e) => Number(e.firedAt) - Number(e.at));
}

await main();
process.exit(0);
