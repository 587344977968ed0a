/**
 * The grade channels (空中课堂 on TV and IPTV): each is one continuous live
 * HLS stream stitched from the day's timetable, the recorded lessons'
 * existing segments and the slates, derived from Redis state and the clock
 * only, so every instance serves the same playlist at the same moment.
 * A live-lesson slot takes the live pipeline's segments; when it has none
 * (not started, failed) the slate plays.
 */
import { createHash } from 'node:crypto';
import { text } from 'node:stream/consumers';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { isPublished, type Lesson } from '../../recordings/catalogue/Lesson.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import type { Slot } from '../timetable/model.ts';
import { localDate, slotInstant } from '../timetable/epg.ts';
import { parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';
import { buildMasterPlaylist } from '../../core/hls/masterPlaylist.ts';
import {
  layout,
  targetDurationOf,
  windowPlaylist,
  type PlacedSegment,
  type Programme,
  type Slate,
  type StitchSegment,
} from '../../media/channel/stitch.ts';
import { CHANNEL_AUDIO, CHANNEL_RUNGS, slateId, type SlateDesign } from '../../media/channel/slate.ts';
import { TtlCache } from './TtlCache.ts';
import { channelLadder, type LessonLadder, type PieceVariant } from './channelLadder.ts';
import { LIVE_RENDITIONS, LIVE_SEGMENT_SECONDS } from '../../media/live/liveArgs.ts';
import { GENERIC_SLATE, nominalSlate, SLATE_READY_MARGIN_MS, type SlateService } from './SlateService.ts';

export const CHANNEL_RENDITIONS = [...CHANNEL_RUNGS.map((r) => r.name), CHANNEL_AUDIO];
/** The live pipeline's rendition that feeds each channel rendition during a live lesson. */
const LIVE_RENDITION: Record<string, string> = {
  '1080p': 'source',
  '720p': 'source',
  '480p': 'source',
  '360p': '360p',
  '144p': '144p',
  audio: 'audio',
};
const WINDOW_SEC = 24;

/**
 * What a live lesson's pipeline puts into a channel rung (media/live/liveArgs.ts): 360p and 144p are
 * encoded at 25 fps, baseline, bounded by their VBV (maxrate + bufsize / segment length); the width is
 * that of a 16:9 camera (a 4:3 one is narrower). The teacher's own rung (source) has no fixed size, so
 * a channel day with a live slot offers 360p and 144p only.
 */
export const LIVE_PIECES: Record<string, PieceVariant> = Object.fromEntries([
  ...LIVE_RENDITIONS.filter((r) => r.height !== undefined).map((r) => {
    const kbps = r.videoKbps!;
    return [
      r.name,
      {
        width: Math.round((r.height! * 16) / 9 / 2) * 2,
        height: r.height!,
        fps: 25,
        codecs: r.codecs,
        peak: Math.ceil(kbps * 1.1 * 1000 + (kbps * 1.5 * 1000) / LIVE_SEGMENT_SECONDS),
        average: kbps * 1000,
      },
    ];
  }),
  ['audio', { width: 0, height: 0, fps: 0, codecs: 'mp4a.40.2', peak: 70_000, average: 64_000 }],
]);

interface LessonMedia {
  lesson: Lesson;
  /** Per channel rendition: the lesson's rendition (the nearest it has), or undefined (no such media: the slate fills). */
  renditions: Map<string, { mapUri: string; segments: StitchSegment[] } | undefined>;
}

interface DayPlan {
  /** The day's content (grade, date, timetable hash): what laid-out days are cached under. */
  content: string;
  raw: string;
  builtAt: number;
  /** The slate (design id) before each slot, during a live slot whose source is missing, and after the last. */
  designBefore: Map<string, string>;
  designDuring: Map<string, string>;
  designAfter: string;
  /** The lessons' versions and states: a withdrawn or re-processed lesson changes the layout. */
  lessonsSig: string;
  epoch: number;
  dayEnd: number;
  slots: Slot[];
  /** Recorded programmes per channel rendition (live ones are added per request). */
  recorded: Map<string, Programme[]>;
  liveSlots: Slot[];
  designs: SlateDesign[];
}

interface Laid {
  signature: string;
  /** Recent and upcoming segments only: [from, horizon). */
  placed: PlacedSegment[];
  from: number;
  horizon: number;
}

const HORIZON_MS = 10 * 60_000;

const hhmm = (t: string) => t.slice(0, 5);

export interface ChannelServiceOptions {
  redis: Redis;
  storage: Storage;
  timetable: TimetableStore;
  lessons: LessonStore;
  live: LiveStore;
  slates: SlateService;
  timeZone: string;
  logger: Logger;
}

export class ChannelService {
  readonly #o: ChannelServiceOptions;
  readonly #plans = new Map<string, DayPlan>();
  readonly #laid = new Map<string, Laid>();
  readonly #media = new Map<string, LessonMedia>();
  // Keyed by ids from public URLs: bounded and expiring (unknown ids never grow memory).
  readonly #onAir = new TtlCache<boolean>({ max: 2000, ttlMs: 5000 });
  readonly #prefix = new TtlCache<string | undefined>({ max: 2000, ttlMs: 5000 });
  readonly #liveOnAir = new TtlCache<boolean>({ max: 500, ttlMs: 5000 });
  readonly #masters = new TtlCache<{ text: string; rungs: string[] }>({ max: 64, ttlMs: 10_000 });

  constructor(o: ChannelServiceOptions) {
    this.#o = o;
  }

  /**
   * The channel's master playlist: only the rungs every piece of yesterday's,
   * today's and tomorrow's days has, each described by what it carries
   * (channelLadder.ts). Identical on every instance (a function of Redis and storage).
   */
  async master(grade: number, now = Date.now()): Promise<string> {
    return (await this.#master(grade, now)).text;
  }

  /** The rungs the channel offers (highest first), for the head-end. */
  async rungs(grade: number, now = Date.now()): Promise<string[]> {
    return (await this.#master(grade, now)).rungs;
  }

  async #master(grade: number, now: number): Promise<{ text: string; rungs: string[] }> {
    const dates = [-1, 0, 1].map((d) => localDate(this.#o.timeZone, now + d * 86_400_000));
    const plans = await Promise.all(dates.map((d) => this.#plan(grade, d)));
    const slates = await this.#o.slates.lookup([GENERIC_SLATE, ...plans.flatMap((p) => p.designs)]);
    const key = `${grade}|${plans.map((p) => `${p.content}|${p.lessonsSig}`).join('|')}|${[...slates.keys()].sort().join(',')}`;
    const hit = this.#masters.get(key);
    if (hit) return hit.value;
    const lessonIds = [
      ...new Set(
        plans.flatMap((p) =>
          p.slots.flatMap((s) => (s.source.kind === 'recorded' ? [s.source.lessonId] : [])),
        ),
      ),
    ];
    const lessons: LessonLadder[] = [];
    for (const id of lessonIds) {
      const l = await this.#o.lessons.get(id);
      if (!l || !isPublished(l) || !l.renditions?.length) continue;
      const renditions: Record<string, PieceVariant> = {};
      for (const r of l.renditions)
        renditions[r.name] = {
          width: r.width ?? 0,
          height: r.height ?? 0,
          fps: r.fps ?? 0,
          codecs: r.codecs,
          peak: r.bandwidth,
          average: r.averageBandwidth,
        };
      lessons.push({ id, renditions });
    }
    // The slate rungs: the highest measured figures of the slates in use (older slates: their encoder's bound).
    const slate: Record<string, PieceVariant> = {};
    for (const s of slates.values()) {
      const m = s.measured ?? nominalSlate();
      for (const [name, v] of Object.entries(m)) {
        const cur = slate[name];
        slate[name] = cur
          ? { ...cur, peak: Math.max(cur.peak, v.peak), average: Math.max(cur.average, v.average) }
          : v;
      }
    }
    if (!Object.keys(slate).length) Object.assign(slate, nominalSlate());
    const hasLive = plans.some((p) => p.liveSlots.length > 0);
    const { videos, audio } = channelLadder({
      rungs: CHANNEL_RUNGS,
      lessons,
      slate,
      ...(hasLive ? { live: LIVE_PIECES } : {}),
    });
    const built = {
      text: buildMasterPlaylist(videos, audio),
      rungs: videos.map((v) => v.name).sort((a, b) => parseInt(b, 10) - parseInt(a, 10)),
    };
    this.#masters.set(key, built);
    return built;
  }

  /**
   * The slate shown before `next` (or after the day's last lesson). It names the subject and time but
   * not the grade (the viewer knows the channel), so grades with the same timetable share slates.
   */
  static designFor(next: Slot | undefined, during = false): SlateDesign {
    const footer = '空中课堂 Skyclass';
    if (!next)
      return {
        title: '今天的课程已结束，明天见',
        subtitle: 'Lessons are over for today. See you tomorrow!',
        footer,
      };
    if (during)
      return {
        title: `直播马上回来：${next.subject}`,
        subtitle: `The live ${next.subject} lesson will be back shortly`,
        footer,
      };
    return {
      title: `下一节：${next.subject} ${hhmm(next.start)}`,
      subtitle: `Next: ${next.subject} at ${hhmm(next.start)}`,
      footer,
    };
  }

  /** Every slate design today's channels need (to render them ahead of time). */
  async designsFor(grades: number[], at = Date.now()): Promise<SlateDesign[]> {
    const date = localDate(this.#o.timeZone, at);
    const out: SlateDesign[] = [GENERIC_SLATE];
    for (const g of grades) out.push(...(await this.#plan(g, date)).designs);
    return out;
  }

  /** The media playlist of one channel rendition at `now`. */
  async playlist(grade: number, rendition: string, now = Date.now()): Promise<string> {
    const date = localDate(this.#o.timeZone, now);
    const plan = await this.#plan(grade, date);
    const slates = await this.#o.slates.lookup([GENERIC_SLATE, ...plan.designs]);
    const generic = slates.get(slateId(GENERIC_SLATE));
    if (!generic) throw new ChannelStarting();
    const chooser = (at: number, next: Programme | undefined): Slate => {
      const id = next?.id
        ? (at >= next.start ? plan.designDuring : plan.designBefore).get(next.id)
        : plan.designAfter;
      const s = id ? slates.get(id) : undefined;
      const use = s && s.readyAt + SLATE_READY_MARGIN_MS <= at ? s : generic;
      return use.renditions[rendition]!;
    };
    const readySig = [...slates.entries()].map(([id, s]) => `${id}@${s.readyAt}`).join(',');
    const recorded = plan.recorded.get(rendition) ?? [];
    const liveStarted = plan.liveSlots.filter(
      (s) => slotInstant(s.date, s.start, this.#o.timeZone).getTime() <= now,
    );
    const target = Math.max(4, targetDurationOf(recorded, [generic.renditions[rendition]!]));
    const keepFrom = now - 3 * WINDOW_SEC * 1000;
    const opts = { windowSec: WINDOW_SEC, targetDuration: target, uriPrefix: '../../media/' };
    if (liveStarted.length === 0) {
      // No live lesson has begun: the day is fixed by the timetable. It is laid out ahead (to a horizon
      // ten minutes on), keeping only the recent segments, and again when the clock nears the horizon.
      const sig = `${plan.content}|${plan.lessonsSig}|${readySig}`;
      const cacheKey = `${grade}|${rendition}`;
      let laid = this.#laid.get(cacheKey);
      if (
        laid?.signature !== sig ||
        now + WINDOW_SEC * 1000 >= laid.horizon ||
        now - 2 * WINDOW_SEC * 1000 < laid.from
      ) {
        const programmes = [...recorded, ...plan.liveSlots.map((s) => this.#liveProgramme(s, []))];
        const horizon = Math.min(plan.dayEnd, now + HORIZON_MS);
        const placed = layout(plan.epoch, horizon, programmes, chooser, undefined, keepFrom);
        laid = {
          signature: sig,
          placed,
          from: keepFrom,
          horizon: horizon === plan.dayEnd ? Infinity : horizon,
        };
        this.#laid.set(cacheKey, laid);
      }
      return windowPlaylist(laid.placed, now, opts);
    }
    // A live lesson has begun: its part depends on what the live pipeline has produced by now.
    const live = await Promise.all(plan.liveSlots.map((s) => this.#liveProgrammeNow(s, rendition)));
    const placed = layout(plan.epoch, now + 1, [...recorded, ...live], chooser, undefined, keepFrom);
    return windowPlaylist(placed, now, { ...opts, targetDuration: Math.max(target, 4) });
  }

  /** Where a lesson's media is in storage if it is on a channel now (cached a few seconds: asked for every segment). */
  async onAirPrefix(lessonId: string, now = Date.now()): Promise<string | undefined> {
    const hit = this.#prefix.get(lessonId);
    if (hit) return hit.value;
    const lesson = await this.#o.lessons.get(lessonId);
    const prefix =
      lesson && (await this.lessonOnAir(lesson, now)) ? (lesson.hlsPrefix ?? `vod/${lesson.id}`) : undefined;
    this.#prefix.set(lessonId, prefix);
    return prefix;
  }

  /**
   * Is a live lesson on a channel now (so its segments may be served without a
   * login)? Only while a live slot of its grade names it, from its start to a
   * minute after its end (players finish the window they loaded).
   */
  async liveOnAir(liveId: string, now = Date.now()): Promise<boolean> {
    const hit = this.#liveOnAir.get(liveId);
    if (hit) return hit.value;
    const live = await this.#o.live.get(liveId);
    let onAir = false;
    if (live && live.status !== 'scheduled') {
      const dates = [-1, 0].map((d) => localDate(this.#o.timeZone, now + d * 86_400_000));
      const slots = await this.#o.timetable.days([live.grade], dates);
      onAir = slots.some(
        (s) =>
          s.source.kind === 'live' &&
          s.source.liveLessonId === live.id &&
          slotInstant(s.date, s.start, this.#o.timeZone).getTime() - 60_000 <= now &&
          now <= slotInstant(s.date, s.end, this.#o.timeZone).getTime() + 60_000,
      );
    }
    this.#liveOnAir.set(liveId, onAir);
    return onAir;
  }

  /** Is a lesson's media part of a channel (so it may be served without a login)? Scheduled yesterday, today or tomorrow. */
  async lessonOnAir(lesson: Lesson, now = Date.now()): Promise<boolean> {
    if (!isPublished(lesson)) return false;
    // Every segment request asks: the answer is kept for a few seconds.
    const hit = this.#onAir.get(lesson.id);
    if (hit) return hit.value;
    const onAir = await this.#lessonOnAir(lesson, now);
    this.#onAir.set(lesson.id, onAir);
    return onAir;
  }

  async #lessonOnAir(lesson: Lesson, now: number): Promise<boolean> {
    const dates = [-1, 0, 1].map((d) => localDate(this.#o.timeZone, now + d * 86_400_000));
    const slots = await this.#o.timetable.days([lesson.grade], dates);
    return slots.some((s) => s.source.kind === 'recorded' && s.source.lessonId === lesson.id);
  }

  async #plan(grade: number, date: string): Promise<DayPlan> {
    const raw = (await this.#o.timetable.dayRaw(grade, date)) ?? '[]';
    const cached = this.#plans.get(`${grade}|${date}`);
    // Lessons can be withdrawn or re-processed: a plan is rebuilt at least every 30 s even if the day did not change.
    if (cached && cached.raw === raw && Date.now() - cached.builtAt < 30_000) return cached;
    const key = `${grade}|${date}|${createHash('sha1').update(raw).digest('hex')}`;
    const tz = this.#o.timeZone;
    const slots = (JSON.parse(raw) as Slot[]).sort((a, b) => a.start.localeCompare(b.start));
    const epoch = slotInstant(date, '00:00', tz).getTime();
    const next = new Date(Date.parse(`${date}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const dayEnd = slotInstant(next, '00:00', tz).getTime();
    const recorded = new Map<string, Programme[]>(CHANNEL_RENDITIONS.map((r) => [r, []]));
    const versions: string[] = [];
    for (const s of slots) {
      if (s.source.kind !== 'recorded') continue;
      const media = await this.#lessonMedia(s.source.lessonId);
      versions.push(`${s.source.lessonId}@${media?.lesson.updatedAt ?? '-'}`);
      if (!media || media.lesson.grade !== grade || !isPublished(media.lesson)) {
        this.#o.logger.warn({ grade, slot: s.id }, 'channel slot has no playable lesson; the slate fills it');
        continue;
      }
      for (const r of CHANNEL_RENDITIONS) {
        const m = media.renditions.get(r);
        if (!m) continue;
        recorded.get(r)!.push({
          id: s.id,
          start: slotInstant(s.date, s.start, tz).getTime(),
          end: slotInstant(s.date, s.end, tz).getTime(),
          mapUri: m.mapUri,
          segments: m.segments,
        });
      }
    }
    const designBefore = new Map(slots.map((s) => [s.id, slateId(ChannelService.designFor(s))]));
    const designDuring = new Map(slots.map((s) => [s.id, slateId(ChannelService.designFor(s, true))]));
    const designs = [
      ...slots.map((s) => ChannelService.designFor(s)),
      ...slots.filter((s) => s.source.kind === 'live').map((s) => ChannelService.designFor(s, true)),
      ChannelService.designFor(undefined),
    ];
    const builtAt = Date.now();
    const plan: DayPlan = {
      content: key,
      raw,
      builtAt,
      designBefore,
      designDuring,
      designAfter: slateId(ChannelService.designFor(undefined)),
      lessonsSig: createHash('sha1').update(versions.join(',')).digest('hex'),
      epoch,
      dayEnd,
      slots,
      recorded,
      liveSlots: slots.filter((s) => s.source.kind === 'live'),
      designs,
    };
    this.#plans.set(`${grade}|${date}`, plan);
    return plan;
  }

  /** A recorded lesson's segment lists per channel rendition (read once from its playlists). */
  async #lessonMedia(id: string): Promise<LessonMedia | undefined> {
    const lesson = await this.#o.lessons.get(id);
    if (!lesson) return undefined;
    const cached = this.#media.get(id);
    if (cached && cached.lesson.updatedAt === lesson.updatedAt) return { ...cached, lesson };
    const prefix = lesson.hlsPrefix ?? `vod/${id}`;
    const have = new Map<string, { mapUri: string; segments: StitchSegment[] }>();
    for (const name of [...(lesson.renditions ?? []).map((r) => r.name), CHANNEL_AUDIO]) {
      try {
        const got = await this.#o.storage.get(`${prefix}/${name}/index.m3u8`);
        const pl = parseMediaPlaylist(await text(got.body));
        // Only fMP4 renditions can share a channel playlist with the slate (one EXT-X-MAP per piece).
        if (!pl.mapUri) continue;
        have.set(name, {
          mapUri: `vod/${id}/${name}/${pl.mapUri}`,
          segments: pl.segments.map((s) => ({ uri: `vod/${id}/${name}/${s.uri}`, duration: s.duration })),
        });
      } catch {
        // no such rendition
      }
    }
    const heights = [...have.keys()]
      .filter((n) => n !== CHANNEL_AUDIO)
      .map((n) => ({ n, h: parseInt(n, 10) }));
    const renditions = new Map<string, { mapUri: string; segments: StitchSegment[] } | undefined>();
    for (const r of CHANNEL_RUNGS) {
      // The lesson's own rung of that name, else the nearest below it, else its smallest.
      const below = heights.filter((x) => x.h <= r.height).sort((a, b) => b.h - a.h)[0];
      const any = [...heights].sort((a, b) => a.h - b.h)[0];
      const pick = below ?? any;
      renditions.set(r.name, pick ? have.get(pick.n) : undefined);
    }
    renditions.set(CHANNEL_AUDIO, have.get(CHANNEL_AUDIO));
    const media = { lesson, renditions };
    this.#media.set(id, media);
    return media;
  }

  #liveProgramme(s: Slot, segments: StitchSegment[]): Programme {
    const tz = this.#o.timeZone;
    return {
      id: s.id,
      live: true,
      start: slotInstant(s.date, s.start, tz).getTime(),
      end: slotInstant(s.date, s.end, tz).getTime(),
      segments,
    };
  }

  /** A live slot with what its lesson's live pipeline has stored so far (nothing: the slate fills in). */
  async #liveProgrammeNow(s: Slot, rendition: string): Promise<Programme> {
    const liveId = s.source.kind === 'live' ? s.source.liveLessonId : undefined;
    if (!liveId) return this.#liveProgramme(s, []);
    const name = LIVE_RENDITION[rendition]!;
    try {
      const got = await this.#o.storage.get(`live/${liveId}/${name}/index.m3u8`);
      const prefix = `live/${liveId}/${name}/`;
      // Only fMP4 segments with their wall-clock time can be placed (TS has no EXT-X-MAP to share the playlist).
      const segments = parseMediaPlaylist(await text(got.body)).segments.flatMap((seg) =>
        seg.mapUri && seg.programDateTime !== undefined
          ? [
              {
                uri: prefix + seg.uri,
                duration: seg.duration,
                at: seg.programDateTime,
                mapUri: prefix + seg.mapUri,
              },
            ]
          : [],
      );
      return this.#liveProgramme(s, segments);
    } catch {
      return this.#liveProgramme(s, []);
    }
  }
}

/** The channel is waiting for its first slate (a few seconds after the first start). */
export class ChannelStarting extends Error {
  constructor() {
    super('The channel is starting (its slate is being prepared). Try again in a few seconds.');
  }
}
