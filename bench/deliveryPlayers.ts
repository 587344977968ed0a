/**
 * The simulated players of bench:delivery, run in worker threads (bench/delivery.ts starts them) so
 * that a thousand players are not one event loop's queue: each worker plays its share as hls.js
 * would and reports what it measured.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Agent, request } from 'undici';

export interface PlayerJob {
  kind: 'live' | 'channel';
  master: string;
  /** Which video rendition (index into the master's list, modulo its length). */
  pick: number;
  /** Live players renew their viewing pass here with this session token first. */
  accessUrl?: string;
  token?: string;
}
export interface WorkerInput {
  jobs: PlayerJob[];
  /** The players of this worker join evenly over this long. */
  rampMs: number;
}
export interface WorkerReport {
  segmentMs: number[];
  playlistMs: number[];
  requests: number;
  bytes: number;
  errors: number;
  errorSamples: string[];
  joined: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// One connection pool for all players (as many sockets as players need), keep-alive like browsers.
const agent = new Agent({ connections: 4096, pipelining: 1, keepAliveTimeout: 30_000 });
const stats = {
  measuring: false,
  joined: 0,
  segmentMs: [] as number[],
  playlistMs: [] as number[],
  requests: 0,
  bytes: 0,
  errors: 0,
  errorSamples: [] as string[],
};

/** One request as a player makes it; playlists are kept, segment bytes are counted and dropped (as a decoder would). */
async function get(url: string, cookie?: string): Promise<{ status: number; body: Buffer } | undefined> {
  const start = performance.now();
  try {
    const res = await request(url, { dispatcher: agent, headers: cookie ? { cookie } : {} });
    const playlist = url.endsWith('.m3u8');
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const c of res.body) {
      bytes += (c as Buffer).length;
      if (playlist) chunks.push(c as Buffer);
    }
    const ms = performance.now() - start;
    if (stats.measuring) {
      stats.requests++;
      stats.bytes += bytes;
      (playlist ? stats.playlistMs : stats.segmentMs).push(ms);
      if (res.statusCode !== 200) {
        stats.errors++;
        if (stats.errorSamples.length < 10)
          stats.errorSamples.push(`${res.statusCode} ${new URL(url).pathname}`);
      }
    }
    return { status: res.statusCode, body: Buffer.concat(chunks) };
  } catch (err) {
    if (stats.measuring) {
      stats.requests++;
      stats.errors++;
      if (stats.errorSamples.length < 10) stats.errorSamples.push((err as Error).message);
    }
    return undefined;
  }
}

/** A player as hls.js plays a live stream: one video rendition and the audio, reloaded every target duration. */
class Player {
  #stop = false;
  constructor(
    readonly master: string,
    readonly pick: number,
    readonly cookie?: string,
  ) {}
  async start(): Promise<void> {
    const m = await get(this.master, this.cookie);
    if (!m || m.status !== 200) return;
    const text = m.body.toString();
    const video = [...text.matchAll(/#EXT-X-STREAM-INF:[^\n]*RESOLUTION[^\n]*\n(\S+)/g)].map((x) => x[1]!);
    const audio = /#EXT-X-MEDIA:TYPE=AUDIO[^\n]*URI="([^"]+)"/.exec(text)?.[1];
    const chosen = [video[this.pick % video.length]!, ...(audio ? [audio] : [])];
    await Promise.all(chosen.map((u) => this.#loop(new URL(u, this.master).href)));
  }
  stop(): void {
    this.#stop = true;
  }
  async #loop(url: string): Promise<void> {
    const seen = new Set<string>();
    while (!this.#stop) {
      const r = await get(url, this.cookie);
      let target = 4;
      if (r?.status === 200) {
        const text = r.body.toString();
        target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 4);
        const uris = [
          ...[...text.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].map((m) => m[1]!),
          ...text.split('\n').filter((l) => l && !l.startsWith('#')),
        ].map((u) => new URL(u, url).href);
        const fresh = uris.filter((u) => !seen.has(u));
        // hls.js starts three segments from the live edge (and loads the init segment first).
        const wanted = seen.size ? fresh : [...fresh.filter((u) => u.endsWith('.mp4')), ...fresh.slice(-3)];
        for (const u of wanted) {
          if (this.#stop) return;
          await get(u, this.cookie);
        }
        uris.forEach((u) => seen.add(u));
      }
      await sleep(target * 1000);
    }
  }
}

async function pass(job: PlayerJob): Promise<string> {
  const res = await request(job.accessUrl!, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${job.token}` },
  });
  await res.body.dump();
  const set = res.headers['set-cookie'];
  const cookie = (Array.isArray(set) ? set : [set ?? '']).find((c) => c.startsWith('skyclass_hls='));
  if (!cookie) throw new Error(`no viewing pass: ${res.statusCode}`);
  return cookie.split(';')[0]!;
}

const input = workerData as WorkerInput;
const players: Player[] = [];
parentPort!.on('message', (m: string) => {
  if (m === 'measure') stats.measuring = true;
  if (m === 'stop') {
    stats.measuring = false;
    players.forEach((p) => p.stop());
    const { measuring: _m, ...report } = stats;
    parentPort!.postMessage(report satisfies WorkerReport);
    void agent.close();
  }
});
await Promise.all(
  input.jobs.map(async (job, i) => {
    await sleep((input.rampMs * i) / input.jobs.length);
    const cookie = job.kind === 'live' ? await pass(job) : undefined;
    const p = new Player(job.master, job.pick, cookie);
    players.push(p);
    stats.joined++;
    void p.start();
  }),
);
parentPort!.postMessage('joined');
