/**
 * The HLS origin: replay (/vod/<lesson>/…) and live (/live-hls/<lesson>/…)
 * playlists, segments and posters behind the viewing-pass gate
 * (server/lessons/hlsAccess.ts).
 *
 * Served on a lean path in front of express (`handle`), because these are the
 * requests a grade makes by the thousand when no cache stands in front: no
 * router, no body parsers; the gate's verdict and the lesson's folder are
 * cached in the process; immutable objects (segments, init segments, posters)
 * are kept in memory up to HLS_MEMORY_CACHE_MB, so a popular segment is read
 * from storage once. Playlists are always read from storage (live ones change
 * every segment). The express routes (hlsRoutes.ts) call the same `serve`, so
 * both paths answer alike; errors are the API's JSON errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { AppError, notFound } from '../errors.ts';
import { toAppError } from '../errorMapping.ts';
import { gradesOf } from '../district/gradesOf.ts';
import { canViewLesson } from '../lessons/lessonPolicy.ts';
import { canWatchLive } from '../live/livePolicy.ts';
import { HLS_ACCESS_COOKIE, HlsGate, hlsFile, type HlsKind } from '../lessons/hlsAccess.ts';
import { TtlCache } from '../channels/TtlCache.ts';
import type { ObjectInfo } from '../../core/storage/Storage.ts';
import type { AppDeps } from './AppDeps.ts';
import { parseRangeHeader } from './range.ts';
import { SECURITY_HEADERS } from './securityHeaders.ts';

type Deps = Pick<
  AppDeps,
  | 'urlSigningKey'
  | 'sessions'
  | 'store'
  | 'lessons'
  | 'live'
  | 'storage'
  | 'metrics'
  | 'requestStats'
  | 'logger'
  | 'hsts'
  | 'hlsMemoryCacheBytes'
>;

const VOD_FILES = ['m3u8', 'm4s', 'mp4', 'ts', 'jpg', 'vtt'] as const;
const LIVE_FILES = ['m3u8', 'm4s', 'mp4'] as const;
const PATH = /^\/(vod|live-hls)\/([A-Za-z0-9_-]{1,64})\/([^?#]*)(?:\?.*)?$/;

/**
 * Hot immutable objects in memory: bounded in bytes (least recently used out first), admitted only
 * on their second request within ADMIT_WINDOW_MS (a segment one student replays alone never takes
 * room; a live segment a grade asks for does), and dropped after IDLE_MS unasked (a live segment is
 * hot for seconds, then never again). Memory thus follows what is popular now instead of filling up
 * to its bound over a day (found by the one-hour soak).
 */
export class ObjectMemory {
  static readonly ADMIT_WINDOW_MS = 30_000;
  static readonly IDLE_MS = 60_000;
  readonly #max: number;
  readonly #now: () => number;
  #bytes = 0;
  readonly #map = new Map<string, { info: ObjectInfo; body: Buffer; at: number }>();
  readonly #seen: TtlCache<true>;
  constructor(maxBytes: number, now: () => number = Date.now) {
    this.#max = maxBytes;
    this.#now = now;
    this.#seen = new TtlCache<true>({ max: 100_000, ttlMs: ObjectMemory.ADMIT_WINDOW_MS, now });
  }
  get bytes(): number {
    return this.#bytes;
  }
  get(key: string) {
    this.#expire();
    const e = this.#map.get(key);
    if (e) {
      this.#map.delete(key);
      e.at = this.#now();
      this.#map.set(key, e);
    }
    return e;
  }
  /** Stores the object if it was asked for recently already (its second request); says whether it did. */
  offer(key: string, info: ObjectInfo, body: Buffer): boolean {
    if (this.#max <= 0 || body.length > this.#max / 8) return false; // one huge object never empties it
    if (!this.#seen.get(key)) {
      this.#seen.set(key, true);
      return false;
    }
    this.#map.delete(key);
    this.#map.set(key, { info, body, at: this.#now() });
    this.#bytes += body.length;
    for (const [k, v] of this.#map) {
      if (this.#bytes <= this.#max) break;
      this.#map.delete(k);
      this.#bytes -= v.body.length;
    }
    return true;
  }
  /** The least recently used come first: drop from the front while idle too long. */
  #expire(): void {
    const limit = this.#now() - ObjectMemory.IDLE_MS;
    for (const [k, v] of this.#map) {
      if (v.at > limit) break;
      this.#map.delete(k);
      this.#bytes -= v.body.length;
    }
  }
}

export class HlsOrigin {
  readonly gate: HlsGate;
  readonly #d: Deps;
  /** A replay's HLS folder (or null: not ready), for 2 s. */
  readonly #vodPrefix = new TtlCache<string | null>({ max: 10_000, ttlMs: 2000 });
  readonly #memory: ObjectMemory;
  readonly #headers: Record<string, string>;

  constructor(d: Deps) {
    this.#d = d;
    this.#memory = new ObjectMemory(d.hlsMemoryCacheBytes);
    this.#headers = {
      ...SECURITY_HEADERS,
      ...(d.hsts ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
    };
    this.gate = new HlsGate({
      key: d.urlSigningKey,
      sessionOpen: (sid) => d.sessions.isActive(sid),
      activeUser: async (id) => {
        const u = await d.store.getUser(id);
        return u && !u.disabled ? u : undefined;
      },
      mayWatch: async (userId, kind, lessonId) => {
        const user = await d.store.getUser(userId);
        if (!user) return false;
        if (kind === 'vod') {
          const l = await d.lessons.get(lessonId);
          return !!l && l.status === 'ready' && canViewLesson(user, l, await gradesOf(d.store, user));
        }
        const l = await d.live.get(lessonId);
        return !!l && canWatchLive(user, l, await gradesOf(d.store, user));
      },
    });
  }

  /** Answers GET/HEAD /vod/… and /live-hls/… itself (true); anything else is left to express (false). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const m = PATH.exec(req.url ?? '');
    if (!m) return false;
    const started = performance.now();
    const kind: HlsKind = m[1] === 'vod' ? 'vod' : 'live';
    let rel: string;
    try {
      rel = decodeURIComponent(m[3]!);
    } catch {
      rel = '\0'; // refused by hlsFile below
    }
    res.on('finish', () => {
      this.#d.metrics.httpDuration.observe(
        {
          method: req.method!,
          route: kind === 'vod' ? '/vod/:lessonId/*path' : '/live-hls/:lessonId/*path',
          status: String(res.statusCode),
        },
        (performance.now() - started) / 1000,
      );
      this.#d.requestStats.count(res.statusCode);
    });
    this.serve(req, res, kind, m[2]!, rel.split('/')).catch((err: unknown) => this.#fail(req, res, err));
    return true;
  }

  /** Streams one HLS object after the gate; throws an AppError (or a storage error) otherwise. */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    kind: HlsKind,
    lessonId: string,
    rawRel: string[] | string,
  ): Promise<void> {
    const rel = hlsFile(rawRel, kind === 'vod' ? VOD_FILES : LIVE_FILES);
    await this.gate.check(cookieOf(req, HLS_ACCESS_COOKIE), kind, lessonId);
    const prefix = kind === 'vod' ? await this.#vodFolder(lessonId) : `live/${lessonId}`;
    const key = `${prefix}/${rel}`;
    const playlist = rel.endsWith('.m3u8');
    const cacheControl = playlist
      ? kind === 'live'
        ? 'no-cache'
        : 'private, max-age=60'
      : 'private, max-age=31536000, immutable';
    if (!playlist) {
      const hit = this.#memory.get(key) ?? (await this.#load(key));
      if (hit) return this.#send(req, res, hit.info, cacheControl, hit.body);
    }
    const info = await this.#d.storage.head(key);
    if (!info) throw new AppError('NOT_FOUND', 'This file does not exist (it may have been deleted).');
    return this.#send(req, res, info, cacheControl);
  }

  async #vodFolder(lessonId: string): Promise<string> {
    let prefix = this.#vodPrefix.get(lessonId)?.value;
    if (prefix === undefined) {
      const l = await this.#d.lessons.get(lessonId);
      prefix = l && l.status === 'ready' ? (l.hlsPrefix ?? `vod/${l.id}`) : null;
      this.#vodPrefix.set(lessonId, prefix);
    }
    if (!prefix) throw notFound(`Lesson ${lessonId}`);
    return prefix;
  }

  /** Reads an immutable object into memory (small ones; a large one is streamed instead). */
  async #load(key: string): Promise<{ info: ObjectInfo; body: Buffer } | undefined> {
    const got = await this.#d.storage.get(key);
    if (got.info.size > 16 * 1024 * 1024) {
      got.body.destroy();
      return undefined;
    }
    const chunks: Buffer[] = [];
    for await (const c of got.body) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.#memory.offer(key, got.info, body);
    return { info: got.info, body };
  }

  async #send(
    req: IncomingMessage,
    res: ServerResponse,
    info: ObjectInfo,
    cacheControl: string,
    body?: Buffer,
  ): Promise<void> {
    const headers: Record<string, string> = {
      ...this.#headers,
      'Accept-Ranges': 'bytes',
      'Content-Type': info.contentType,
      'Cache-Control': cacheControl,
      'Last-Modified': info.lastModified.toUTCString(),
    };
    if (info.etag) headers.ETag = info.etag;
    if (info.etag && req.headers['if-none-match'] === info.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    const range = parseRangeHeader(req.headers.range, info.size);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${info.size}`);
      throw new AppError(
        'RANGE_NOT_SATISFIABLE',
        `The requested byte range is outside the file (size ${info.size}).`,
      );
    }
    const [start, end] = range ? [range.start, range.end] : [0, info.size - 1];
    headers['Content-Length'] = String(end - start + 1);
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (body) {
      res.end(range ? body.subarray(start, end + 1) : body);
      return;
    }
    const got = await this.#d.storage.get(info.key, range);
    await pipeline(got.body, res);
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const e = toAppError(err);
    if (!e) {
      if (res.destroyed || req.socket.destroyed) {
        if (!res.headersSent) res.end();
        return; // the player went away mid-download: not a fault
      }
      this.#d.logger.error({ err, url: req.url?.replace(/\?.*$/, '') }, 'HLS request failed');
    }
    const answer =
      e ??
      new AppError('INTERNAL', 'Something went wrong on our side. It has been logged; please try again.');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(answer.status, {
      ...this.#headers,
      'Content-Type': 'application/json; charset=utf-8',
      ...(answer.retryAfterSec !== undefined ? { 'Retry-After': String(answer.retryAfterSec) } : {}),
    });
    res.end(JSON.stringify(answer.toJSON()));
  }
}

export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  const cookie = req.headers.cookie;
  if (!cookie) return undefined;
  const m = new RegExp(`(?:^|;\\s*)${name}=([^;]+)`).exec(cookie);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

const origins = new WeakMap<object, HlsOrigin>();
/** One origin (one gate, one memory) per set of app dependencies: the fast path and the express routes share it. */
export function hlsOriginFor(deps: Deps): HlsOrigin {
  let o = origins.get(deps);
  if (!o) origins.set(deps, (o = new HlsOrigin(deps)));
  return o;
}
