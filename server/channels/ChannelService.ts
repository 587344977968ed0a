/**
 * The grade channels (空中课堂 on TV and IPTV): each is one continuous live
 * HLS stream stitched from the day's timetable, the recorded lessons'
 * existing segments and the slates, derived from Redis state and the clock
 * only, so every instance serves the same playlist at the same moment.
 * A live-lesson slot takes the live pipeline's segments; when it has none
 * (not started, failed) the slate plays.
 */
import { text } from 'node:stream/consumers';
import type { Logger } from '../logger.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { isPublished } from '../../recordings/catalogue/Lesson.ts';
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
import { CHANNEL_RENDITIONS, DayPlanner, type CodedSlates, type DayPlan } from './DayPlanner.ts';

/** Without a district setting: the backup lesson starts after 30 s without live media. */
export const DEFAULT_BACKUP_AFTER_SECONDS = 30;
import { LessonMediaIndex } from './LessonMediaIndex.ts';

export { CHANNEL_RENDITIONS };
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

interface Laid {
  signature: string;
  /** Recent and upcoming segments only: [from, horizon). */
  placed: PlacedSegment[];
  from: number;
  horizon: number;
}

const HORIZON_MS = 10 * 60_000;

export interface ChannelServiceOptions {
  storage: Storage;
  timetable: TimetableStore;
  lessons: LessonStore;
  slates: SlateService;
  timeZone: string;
  logger: Logger;
  /** The clock (tests and the benchmark move it). */
  now?: () => number;
  /** A slot's TV check-in code: the slates before (and during a live) lesson show it. */
  checkInCode?: (grade: number, date: string, slotId: string) => string;
}

/**
 * A slot's coded slates (with its TV check-in code) are rendered when its start is this near, and used
 * once ready; before that, and while one renders, the shared design of the day plays. One render (~5 s
 * of one core) per slot and day, spread over the day as lessons come, instead of a day's worth at once.
 */
export const CODED_SLATE_LEAD_MS = 15 * 60_000;

/**
 * How long after its slot a coded slate stays in the lookup: its passes are still in the playlists'
 * window then, and a design that left the lookup would turn published segments back into the shared
 * slate (a renumbered playlist).
 */
export const CODED_SLATE_KEEP_MS = 30 * 60_000;

/** The coded slate designs of a day's slots that are about to start, on now, or still in the playlists. */
function codedNow(plan: DayPlan, now: number): CodedSlates[] {
  return plan.coded.filter((c) => now >= c.start - CODED_SLATE_LEAD_MS && now < c.end + CODED_SLATE_KEEP_MS);
}
const designsOf = (coded: CodedSlates[]) =>
  coded.flatMap((c) => (c.during ? [c.before, c.during] : [c.before]));

export class ChannelService {
  readonly #o: ChannelServiceOptions;
  readonly #now: () => number;
  readonly #planner: DayPlanner;
  /** grade|rendition → the day laid out to a horizon (no live lesson begun). */
  readonly #laid: TtlCache<Laid>;
  readonly #masters: TtlCache<{ text: string; rungs: string[] }>;
  readonly #rules: TtlCache<number>;

  constructor(o: ChannelServiceOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    const media = new LessonMediaIndex({
      storage: o.storage,
      lessons: o.lessons,
      logger: o.logger,
      now: o.now,
    });
    this.#planner = new DayPlanner({
      timetable: o.timetable,
      media,
      timeZone: o.timeZone,
      logger: o.logger,
      now: o.now,
      checkInCode: o.checkInCode,
    });
    this.#laid = new TtlCache({ max: 2000, ttlMs: HORIZON_MS, now: o.now });
    this.#masters = new TtlCache({ max: 64, ttlMs: 10_000, now: o.now });
    this.#rules = new TtlCache({ max: 1, ttlMs: 5000, now: o.now });
  }

  #plan(grade: number, date: string) {
    return this.#planner.plan(grade, date);
  }

  /**
   * The channel's master playlist: only the rungs every piece of yesterday's,
   * today's and tomorrow's days has, each described by what it carries
   * (channelLadder.ts). Identical on every instance (a function of Redis and storage).
   */
  async master(grade: number, now = this.#now()): Promise<string> {
    return (await this.#master(grade, now)).text;
  }

  /** The rungs the channel offers (highest first), for the head-end. */
  async rungs(grade: number, now = this.#now()): Promise<string[]> {
    return (await this.#master(grade, now)).rungs;
  }

  async #master(grade: number, now: number): Promise<{ text: string; rungs: string[] }> {
    const dates = [-1, 0, 1].map((d) => localDate(this.#o.timeZone, now + d * 86_400_000));
    const plans = await Promise.all(dates.map((d) => this.#plan(grade, d)));
    const slates = await this.#o.slates.lookup([
      GENERIC_SLATE,
      ...plans.flatMap((p) => p.designs),
      ...designsOf(codedNow(plans[1]!, now)),
    ]);
    const key = `${grade}|${plans.map((p) => `${p.content}|${p.lessonsSig}`).join('|')}|${[...slates.keys()].sort().join(',')}`;
    const hit = this.#masters.get(key);
    if (hit) return hit.value;
    const lessonIds = [
      ...new Set(
        plans.flatMap((p) =>
          p.slots.flatMap((s) =>
            s.source.kind === 'recorded'
              ? [s.source.lessonId]
              : s.source.backupLessonId
                ? [s.source.backupLessonId] // a backup airs on the channel too: its rungs count
                : [],
          ),
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

  /** Every slate design today's channels need (to render them ahead of time). */
  async designsFor(grades: number[], at = this.#now()): Promise<SlateDesign[]> {
    const date = localDate(this.#o.timeZone, at);
    const out: SlateDesign[] = [GENERIC_SLATE];
    for (const g of grades) out.push(...(await this.#plan(g, date)).designs);
    return out;
  }

  /** What a channel shows at `now`: a live lesson, a live slot's backup lesson, the slate, or a recorded lesson. */
  async nowPlaying(grade: number, now = this.#now()): Promise<'live' | 'backup' | 'slate' | 'lesson'> {
    const text = await this.playlist(grade, CHANNEL_AUDIO, now);
    const last =
      text
        .trim()
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .at(-1) ?? '';
    if (last.includes('media/live/')) return 'live';
    if (last.includes('media/slate/')) return 'slate';
    const plan = await this.#plan(grade, localDate(this.#o.timeZone, now));
    const backups = plan.liveSlots.flatMap((s) =>
      s.source.kind === 'live' && s.source.backupLessonId ? [s.source.backupLessonId] : [],
    );
    return backups.some((id) => last.includes(`media/vod/${id}/`)) ? 'backup' : 'lesson';
  }

  /** The media playlist of one channel rendition at `now`. */
  async playlist(grade: number, rendition: string, now = this.#now()): Promise<string> {
    const date = localDate(this.#o.timeZone, now);
    const plan = await this.#plan(grade, date);
    const coded = new Map(codedNow(plan, now).map((c) => [c.slotId, c]));
    const slates = await this.#o.slates.lookup([
      GENERIC_SLATE,
      ...plan.designs,
      ...designsOf([...coded.values()]),
    ]);
    const generic = slates.get(slateId(GENERIC_SLATE));
    if (!generic) throw new ChannelStarting();
    const usable = (id: string | undefined, at: number) => {
      const s = id ? slates.get(id) : undefined;
      return s && s.readyAt + SLATE_READY_MARGIN_MS <= at ? s : undefined;
    };
    const chooser = (at: number, next: Programme | undefined): Slate => {
      const during = !!next && at >= next.start;
      const c = next?.id ? coded.get(next.id) : undefined;
      const withCode = c && (during ? c.during : c.before);
      const id = next?.id ? (during ? plan.designDuring : plan.designBefore).get(next.id) : plan.designAfter;
      const use = usable(withCode && slateId(withCode), at) ?? usable(id, at) ?? generic;
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
      let laid = this.#laid.get(cacheKey)?.value;
      if (
        laid?.signature !== sig ||
        now + WINDOW_SEC * 1000 >= laid.horizon ||
        now - 2 * WINDOW_SEC * 1000 < laid.from
      ) {
        const afterMs = await this.#backupAfterMs();
        const programmes = [
          ...recorded,
          ...plan.liveSlots.map((s) => this.#liveProgramme(s, [], plan, rendition, afterMs)),
        ];
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
    const afterMs = await this.#backupAfterMs();
    const live = await Promise.all(
      plan.liveSlots.map((s) => this.#liveProgrammeNow(s, plan, rendition, afterMs)),
    );
    const placed = layout(plan.epoch, now + 1, [...recorded, ...live], chooser, undefined, keepFrom);
    return windowPlaylist(placed, now, { ...opts, targetDuration: Math.max(target, 4) });
  }

  #liveProgramme(
    s: Slot,
    segments: StitchSegment[],
    plan: DayPlan,
    rendition: string,
    afterMs: number,
  ): Programme {
    const tz = this.#o.timeZone;
    const backup = plan.backups.get(s.id)?.get(rendition);
    return {
      id: s.id,
      live: true,
      start: slotInstant(s.date, s.start, tz).getTime(),
      end: slotInstant(s.date, s.end, tz).getTime(),
      segments,
      ...(backup ? { backup: { ...backup, afterMs } } : {}),
    };
  }

  /** The district's "no live media for this long: play the backup" (rules, read at most every 5 s). */
  async #backupAfterMs(): Promise<number> {
    const hit = this.#rules.get('afterMs');
    if (hit) return hit.value;
    const sec = (await this.#o.timetable.rules()).liveBackupAfterSeconds ?? DEFAULT_BACKUP_AFTER_SECONDS;
    this.#rules.set('afterMs', sec * 1000);
    return sec * 1000;
  }

  /** A live slot with what its lesson's live pipeline has stored so far (nothing: the slate fills in). */
  async #liveProgrammeNow(s: Slot, plan: DayPlan, rendition: string, afterMs: number): Promise<Programme> {
    const liveId = s.source.kind === 'live' ? s.source.liveLessonId : undefined;
    if (!liveId) return this.#liveProgramme(s, [], plan, rendition, afterMs);
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
      return this.#liveProgramme(s, segments, plan, rendition, afterMs);
    } catch (err) {
      // Not started yet, or its pipeline failed: the slate fills the slot (asked on every playlist request).
      this.#o.logger.debug({ err, liveId }, 'live lesson has no playlist yet; the slate fills in');
      return this.#liveProgramme(s, [], plan, rendition, afterMs);
    }
  }
}

/** The channel is waiting for its first slate (a few seconds after the first start). */
export class ChannelStarting extends Error {
  constructor() {
    super('The channel is starting (its slate is being prepared). Try again in a few seconds.');
  }
}
