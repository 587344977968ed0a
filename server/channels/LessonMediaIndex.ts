/**
 * What a channel plays of a recorded lesson: for each channel rendition,
 * the lesson's nearest rendition (its own rung of that name, else the
 * nearest below, else its smallest) with its init segment and media
 * segments, read once from the lesson's playlists in storage and kept
 * while the lesson is unchanged (bounded; a changed lesson is re-read).
 * Only fMP4 renditions are listed: a channel playlist shares one
 * EXT-X-MAP per piece with the slates.
 */
import { text } from 'node:stream/consumers';
import type { Logger } from '../logger.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { Lesson } from '../../recordings/catalogue/Lesson.ts';
import { parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';
import { CHANNEL_AUDIO, CHANNEL_RUNGS } from '../../media/channel/slate.ts';
import type { StitchSegment } from '../../media/channel/stitch.ts';
import { TtlCache } from './TtlCache.ts';

export interface PieceMedia {
  mapUri: string;
  segments: StitchSegment[];
}

export interface LessonMedia {
  lesson: Lesson;
  /** Per channel rendition: the lesson's media for it, or undefined (the slate fills). */
  renditions: Map<string, PieceMedia | undefined>;
}

export interface LessonMediaIndexOptions {
  storage: Storage;
  lessons: LessonStore;
  logger: Logger;
  now?: () => number;
  /** Lessons kept (a day's channels need a few dozen). */
  max?: number;
}

export class LessonMediaIndex {
  readonly #o: LessonMediaIndexOptions;
  readonly #cache: TtlCache<LessonMedia>;

  constructor(o: LessonMediaIndexOptions) {
    this.#o = o;
    this.#cache = new TtlCache({ max: o.max ?? 500, ttlMs: 3600_000, now: o.now });
  }

  /** The lesson and its media per channel rendition; undefined when the lesson does not exist. */
  async get(id: string): Promise<LessonMedia | undefined> {
    const lesson = await this.#o.lessons.get(id);
    if (!lesson) return undefined;
    const cached = this.#cache.get(id)?.value;
    if (cached && cached.lesson.updatedAt === lesson.updatedAt) return { ...cached, lesson };
    const media = { lesson, renditions: await this.#read(lesson) };
    this.#cache.set(id, media);
    return media;
  }

  async #read(lesson: Lesson): Promise<Map<string, PieceMedia | undefined>> {
    const prefix = lesson.hlsPrefix ?? `vod/${lesson.id}`;
    const have = new Map<string, PieceMedia>();
    for (const name of [...(lesson.renditions ?? []).map((r) => r.name), CHANNEL_AUDIO]) {
      const media = await this.#rendition(lesson.id, prefix, name);
      if (media) have.set(name, media);
    }
    const heights = [...have.keys()]
      .filter((n) => n !== CHANNEL_AUDIO)
      .map((n) => ({ n, h: parseInt(n, 10) }));
    const renditions = new Map<string, PieceMedia | undefined>();
    for (const r of CHANNEL_RUNGS) {
      const below = heights.filter((x) => x.h <= r.height).sort((a, b) => b.h - a.h)[0];
      const any = [...heights].sort((a, b) => a.h - b.h)[0];
      const pick = below ?? any;
      renditions.set(r.name, pick ? have.get(pick.n) : undefined);
    }
    renditions.set(CHANNEL_AUDIO, have.get(CHANNEL_AUDIO));
    return renditions;
  }

  async #rendition(id: string, prefix: string, name: string): Promise<PieceMedia | undefined> {
    let playlist: string;
    try {
      playlist = await text((await this.#o.storage.get(`${prefix}/${name}/index.m3u8`)).body);
    } catch (err) {
      // A lesson without this rendition (e.g. no audio-only one): the channel uses another.
      this.#o.logger.debug({ err, lessonId: id, rendition: name }, 'lesson rendition not in storage');
      return undefined;
    }
    const pl = parseMediaPlaylist(playlist);
    if (!pl.mapUri) return undefined;
    return {
      mapUri: `vod/${id}/${name}/${pl.mapUri}`,
      segments: pl.segments.map((s) => ({ uri: `vod/${id}/${name}/${s.uri}`, duration: s.duration })),
    };
  }
}
