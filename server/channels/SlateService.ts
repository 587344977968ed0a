/**
 * Slates, generated once per design and shared by every channel and every
 * instance: the first instance that needs a design takes a Redis lock,
 * renders it with ffmpeg (media/channel/slate.ts) into storage under
 * slates/<id>/, and records in Redis when it became ready. A stitched
 * playlist uses a design only for loop passes that start after it was
 * ready (plus a margin), so all instances choose the same slate for the same
 * moment; before that the generic slate (made at startup) plays.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import { measureBitrates, parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';
import { avcCodecString } from '../../core/hls/codecs.ts';
import { SEGMENT_SECONDS } from '../../core/ffmpeg/args.ts';
import type { PieceVariant } from './channelLadder.ts';
import { runTool } from '../../core/ffmpeg/runTool.ts';
import {
  CHANNEL_AUDIO,
  CHANNEL_RUNGS,
  SLATE_FPS,
  SLATE_SECONDS,
  slateArgs,
  slateId,
  type SlateDesign,
} from '../../media/channel/slate.ts';
import type { Slate } from '../../media/channel/stitch.ts';

const K = {
  slate: (id: string) => `sc:slate:${id}`,
  lock: (id: string) => `sc:slate-lock:${id}`,
};

/** A design is used for passes starting this long after it was ready (covers instances' readiness caches). */
export const SLATE_READY_MARGIN_MS = 3000;

export const GENERIC_SLATE: SlateDesign = {
  title: '空中课堂 · 课间休息',
  subtitle: 'Skyclass · short break, lessons continue soon',
  footer: '空中课堂 Skyclass',
};

export interface ReadySlate {
  readyAt: number;
  /** Per rendition (1080p … 144p, audio): init segment and the loop's segments (storage keys relative to slates/<id>/). */
  renditions: Record<string, Slate>;
  /** Per rendition: what was measured (size, rate, codec, bitrates) for honest channel masters. */
  measured?: Record<string, PieceVariant>;
}

/** What a slate rung is when it was rendered before measuring existed: the encoder's VBV bound. */
export function nominalSlate(): Record<string, PieceVariant> {
  const out: Record<string, PieceVariant> = {};
  for (const r of CHANNEL_RUNGS)
    out[r.name] = {
      width: r.width,
      height: r.height,
      fps: SLATE_FPS,
      codecs: avcCodecOf(r.profile, r.level),
      peak: r.maxrateKbps * 1000 + (r.bufsizeKbps * 1000) / SEGMENT_SECONDS,
      average: r.videoKbps * 1000,
    };
  out[CHANNEL_AUDIO] = { width: 0, height: 0, fps: 0, codecs: 'mp4a.40.2', peak: 70_000, average: 64_000 };
  return out;
}

/** avc1.PPCCLL from a ladder rung's profile and level (what x264 writes for them). */
export function avcCodecOf(profile: string, level: string): string {
  const p = { baseline: '42c0', main: '4d40', high: '6400' }[profile] ?? '6400';
  const l = Math.round(Number(level) * 10)
    .toString(16)
    .padStart(2, '0');
  return `avc1.${p}${l}`;
}

const FONT_CANDIDATES = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/arphic/uming.ttc',
];

/** A font with Chinese glyphs (fonts-noto-cjk, installed by npm run setup). */
export function findCjkFont(): string {
  for (const f of FONT_CANDIDATES) if (fs.existsSync(f)) return f;
  // Any font fontconfig offers for Chinese, else any sans font (Chinese then shows as boxes, but channels still run).
  for (const pattern of ['Noto Sans CJK SC:lang=zh-cn', 'sans-serif']) {
    try {
      const f = execFileSync('fc-match', ['-f', '%{file}', pattern], { encoding: 'utf8' });
      if (f && fs.existsSync(f)) return f;
    } catch {
      // no fontconfig
    }
  }
  throw new Error(
    'No font with Chinese characters was found for the channel slates: install fonts-noto-cjk (npm run setup does).',
  );
}

export interface SlateServiceOptions {
  redis: Redis;
  storage: Storage;
  workDir: string;
  logger: Logger;
  ffmpeg?: string;
  preset?: string;
}

export class SlateService {
  readonly #o: SlateServiceOptions;
  readonly #ready = new Map<string, ReadySlate>();
  /** Designs not ready yet: when they were last looked up in Redis. */
  readonly #checked = new Map<string, number>();
  #queue: Promise<void> = Promise.resolve();
  readonly #queued = new Set<string>();
  #font?: string;

  constructor(o: SlateServiceOptions) {
    this.#o = o;
  }

  /** The slate of a design if it is ready (from this process's cache, or Redis at most once a second). */
  async lookup(designs: SlateDesign[]): Promise<Map<string, ReadySlate>> {
    const out = new Map<string, ReadySlate>();
    const missing: string[] = [];
    const now = Date.now();
    for (const d of designs) {
      const id = slateId(d);
      const r = this.#ready.get(id);
      if (r) out.set(id, r);
      else if (now - (this.#checked.get(id) ?? 0) >= 1000) missing.push(id);
    }
    if (missing.length) {
      const values = await this.#o.redis.mget(missing.map(K.slate));
      missing.forEach((id, i) => {
        this.#checked.set(id, now);
        const v = values[i];
        if (v) {
          const r = JSON.parse(v) as ReadySlate;
          this.#ready.set(id, r);
          out.set(id, r);
        }
      });
    }
    for (const d of designs) if (!out.has(slateId(d))) this.ensure(d);
    return out;
  }

  /** Makes sure a design gets generated (once, by one instance); returns at once. */
  ensure(design: SlateDesign): void {
    const id = slateId(design);
    if (this.#ready.has(id) || this.#queued.has(id)) return;
    this.#queued.add(id);
    this.#queue = this.#queue
      .then(() => this.#generate(design))
      .catch((err: Error) => this.#o.logger.warn({ err, slate: id }, 'slate generation failed'))
      .finally(() => this.#queued.delete(id));
  }

  /** Generates a design now (or waits for another instance doing it) and returns it. */
  async ready(design: SlateDesign, timeoutMs = 120_000): Promise<ReadySlate> {
    const id = slateId(design);
    const deadline = Date.now() + timeoutMs;
    this.ensure(design);
    for (;;) {
      this.#checked.delete(id);
      const r = (await this.lookup([design])).get(id);
      if (r) return r;
      if (Date.now() > deadline) throw new Error(`slate ${id} was not ready within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  async #generate(design: SlateDesign): Promise<void> {
    const id = slateId(design);
    const { redis, storage, logger } = this.#o;
    if (await redis.exists(K.slate(id))) return;
    // One instance renders it; the others find it in Redis when it is done.
    if ((await redis.set(K.lock(id), String(process.pid), 'EX', 300, 'NX')) !== 'OK') return;
    const dir = path.join(this.#o.workDir, id);
    const started = Date.now();
    try {
      await fsp.rm(dir, { recursive: true, force: true });
      const names = [...CHANNEL_RUNGS.map((r) => r.name), CHANNEL_AUDIO];
      for (const n of names) await fsp.mkdir(path.join(dir, n), { recursive: true });
      const files = {
        title: path.join(dir, 'title.txt'),
        subtitle: path.join(dir, 'sub.txt'),
        footer: path.join(dir, 'foot.txt'),
      };
      await fsp.writeFile(files.title, design.title);
      await fsp.writeFile(files.subtitle, design.subtitle);
      await fsp.writeFile(files.footer, design.footer);
      this.#font ??= findCjkFont();
      const run = await runTool(
        this.#o.ffmpeg ?? 'ffmpeg',
        slateArgs({
          outDir: dir,
          titleFile: files.title,
          subtitleFile: files.subtitle,
          footerFile: files.footer,
          fontFile: this.#font,
          preset: this.#o.preset ?? 'ultrafast', // a still picture: the fastest preset is plenty
        }),
        { timeoutMs: 120_000 },
      );
      if (run.code !== 0) throw new Error(`ffmpeg exited with ${run.code}: ${run.stderr.trim().slice(-400)}`);
      const renditions: Record<string, Slate> = {};
      const measured: Record<string, PieceVariant> = {};
      for (const n of names) {
        const pl = parseMediaPlaylist(await fsp.readFile(path.join(dir, n, 'index.m3u8'), 'utf8'));
        const init = await fsp.readFile(path.join(dir, n, pl.mapUri!));
        const rates = measureBitrates(
          pl.segments,
          (uri) => fs.statSync(path.join(dir, n, uri)).size,
          init.length,
        );
        const rung = CHANNEL_RUNGS.find((r) => r.name === n);
        measured[n] = rung
          ? {
              width: rung.width,
              height: rung.height,
              fps: SLATE_FPS,
              codecs: avcCodecString(init) ?? avcCodecOf(rung.profile, rung.level),
              peak: rates.peak,
              average: rates.average,
            }
          : { width: 0, height: 0, fps: 0, codecs: 'mp4a.40.2', peak: rates.peak, average: rates.average };
        for (const f of [pl.mapUri!, ...pl.segments.map((s) => s.uri)])
          await storage.put(`slates/${id}/${n}/${f}`, fs.createReadStream(path.join(dir, n, f)), {
            cacheControl: 'public, max-age=31536000, immutable',
          });
        // The loop is exactly SLATE_SECONDS long in every rendition (a last sliver of audio is dropped).
        let total = 0;
        const segments = pl.segments.filter((s) => {
          const keep = total < SLATE_SECONDS - 0.05;
          total += s.duration;
          return keep;
        });
        renditions[n] = {
          mapUri: `slate/${id}/${n}/${pl.mapUri}`,
          segments: segments.map((s) => ({ uri: `slate/${id}/${n}/${s.uri}`, duration: s.duration })),
        };
      }
      const ready: ReadySlate = { readyAt: Date.now(), renditions, measured };
      await redis.set(K.slate(id), JSON.stringify(ready));
      logger.info({ slate: id, title: design.title, ms: Date.now() - started }, 'slate generated');
    } finally {
      await redis.del(K.lock(id));
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }
}
