/**
 * A grade channel's day, planned from the published timetable: the slots in
 * order, the recorded programmes per channel rendition (their segments from
 * the lesson media index), the live slots, and which slate design goes
 * before, during and after each. A plan is kept while the day's timetable
 * is unchanged, and rebuilt at least every 30 s (a lesson may be withdrawn
 * or re-processed meanwhile); the cache is bounded in size and time.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import type { Slot } from '../timetable/model.ts';
import { shiftDate, slotInstant } from '../timetable/epg.ts';
import { isPublished } from '../../recordings/catalogue/Lesson.ts';
import type { Programme, StitchSegment } from '../../media/channel/stitch.ts';
import { CHANNEL_AUDIO, CHANNEL_RUNGS, slateId, type SlateDesign } from '../../media/channel/slate.ts';
import { TtlCache } from './TtlCache.ts';
import type { LessonMediaIndex } from './LessonMediaIndex.ts';
import { slateDesignFor, slateDesignsOfDay } from './slateDesigns.ts';

export const CHANNEL_RENDITIONS = [...CHANNEL_RUNGS.map((r) => r.name), CHANNEL_AUDIO];

export interface DayPlan {
  /** The day's content (grade, date, timetable hash): what laid-out days are cached under. */
  content: string;
  raw: string;
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
  /** Live slots' backup lessons (备份方案): slot id → channel rendition → the lesson's media. */
  backups: Map<string, Map<string, { mapUri?: string; segments: StitchSegment[] }>>;
  designs: SlateDesign[];
  /** Each slot's slates with its TV check-in code (before it; during it, for live slots). */
  coded: CodedSlates[];
}

export interface CodedSlates {
  slotId: string;
  start: number;
  end: number;
  before: SlateDesign;
  during?: SlateDesign;
}

export interface DayPlannerOptions {
  timetable: TimetableStore;
  media: LessonMediaIndex;
  timeZone: string;
  logger: Logger;
  now?: () => number;
  /** A slot's TV check-in code (server/presence/AttendanceMarks.ts), shown on its slates. */
  checkInCode?: (grade: number, date: string, slotId: string) => string;
}

/** How long a plan of an unchanged day is trusted (lessons may change meanwhile). */
const PLAN_TTL_MS = 30_000;

export class DayPlanner {
  readonly #o: DayPlannerOptions;
  /** grade|date → plan: three days per grade at most are asked for (yesterday, today, tomorrow). */
  readonly #plans: TtlCache<DayPlan>;

  constructor(o: DayPlannerOptions) {
    this.#o = o;
    this.#plans = new TtlCache({ max: 200, ttlMs: PLAN_TTL_MS, now: o.now });
  }

  async plan(grade: number, date: string): Promise<DayPlan> {
    const raw = (await this.#o.timetable.dayRaw(grade, date)) ?? '[]';
    const cached = this.#plans.get(`${grade}|${date}`)?.value;
    if (cached && cached.raw === raw) return cached;
    const plan = await this.#build(grade, date, raw);
    this.#plans.set(`${grade}|${date}`, plan);
    return plan;
  }

  async #build(grade: number, date: string, raw: string): Promise<DayPlan> {
    const tz = this.#o.timeZone;
    const slots = (JSON.parse(raw) as Slot[]).sort((a, b) => a.start.localeCompare(b.start));
    const next = shiftDate(date, 1);
    const recorded = new Map<string, Programme[]>(CHANNEL_RENDITIONS.map((r) => [r, []]));
    const versions: string[] = [];
    for (const s of slots) {
      if (s.source.kind !== 'recorded') continue;
      const media = await this.#o.media.get(s.source.lessonId);
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
    const backups: DayPlan['backups'] = new Map();
    for (const s of slots) {
      if (s.source.kind !== 'live' || !s.source.backupLessonId) continue;
      const media = await this.#o.media.get(s.source.backupLessonId);
      versions.push(`${s.source.backupLessonId}@${media?.lesson.updatedAt ?? '-'}`);
      if (!media || media.lesson.grade !== grade || !isPublished(media.lesson)) {
        this.#o.logger.warn(
          { grade, slot: s.id },
          'a live slot’s backup lesson is not playable; the slate stays',
        );
        continue;
      }
      const byRendition = new Map<string, { mapUri?: string; segments: StitchSegment[] }>();
      for (const [r, m] of media.renditions)
        if (m) byRendition.set(r, { mapUri: m.mapUri, segments: m.segments });
      backups.set(s.id, byRendition);
    }
    return {
      content: `${grade}|${date}|${createHash('sha1').update(raw).digest('hex')}`,
      raw,
      designBefore: new Map(slots.map((s) => [s.id, slateId(slateDesignFor(s))])),
      designDuring: new Map(slots.map((s) => [s.id, slateId(slateDesignFor(s, true))])),
      designAfter: slateId(slateDesignFor(undefined)),
      lessonsSig: createHash('sha1').update(versions.join(',')).digest('hex'),
      epoch: slotInstant(date, '00:00', tz).getTime(),
      dayEnd: slotInstant(next, '00:00', tz).getTime(),
      slots,
      recorded,
      liveSlots: slots.filter((s) => s.source.kind === 'live'),
      backups,
      designs: slateDesignsOfDay(slots),
      coded: this.#o.checkInCode
        ? slots.map((s) => {
            const code = this.#o.checkInCode!(grade, date, s.id);
            return {
              slotId: s.id,
              start: slotInstant(s.date, s.start, tz).getTime(),
              end: slotInstant(s.date, s.end, tz).getTime(),
              before: slateDesignFor(s, false, code),
              ...(s.source.kind === 'live' ? { during: slateDesignFor(s, true, code) } : {}),
            };
          })
        : [],
    };
  }
}
