/**
 * Which media the public channel URLs may serve without a login: a
 * recorded lesson that a channel of its grade schedules yesterday, today or
 * tomorrow, and a live lesson while a live slot names it (from a minute
 * before its start to a minute after its end). Asked for every segment, so
 * answers are kept a few seconds in bounded caches (the ids come from
 * public URLs: unknown ids never grow memory).
 */
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { isPublished, type Lesson } from '../../recordings/catalogue/Lesson.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import { localDate, slotInstant } from '../timetable/epg.ts';
import { TtlCache } from './TtlCache.ts';

export interface OnAirOptions {
  timetable: TimetableStore;
  lessons: LessonStore;
  live: LiveStore;
  timeZone: string;
  now?: () => number;
}

export class OnAir {
  readonly #o: OnAirOptions;
  readonly #now: () => number;
  readonly #lesson: TtlCache<boolean>;
  readonly #prefix: TtlCache<string | undefined>;
  readonly #live: TtlCache<boolean>;

  constructor(o: OnAirOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#lesson = new TtlCache({ max: 2000, ttlMs: 5000, now: o.now });
    this.#prefix = new TtlCache({ max: 2000, ttlMs: 5000, now: o.now });
    this.#live = new TtlCache({ max: 500, ttlMs: 5000, now: o.now });
  }

  #dates(offsets: number[]): string[] {
    const now = this.#now();
    return offsets.map((d) => localDate(this.#o.timeZone, now + d * 86_400_000));
  }

  /** Where a lesson's media is in storage if it is on a channel now; undefined otherwise. */
  async lessonPrefix(lessonId: string): Promise<string | undefined> {
    const hit = this.#prefix.get(lessonId);
    if (hit) return hit.value;
    const lesson = await this.#o.lessons.get(lessonId);
    const prefix =
      lesson && (await this.lesson(lesson)) ? (lesson.hlsPrefix ?? `vod/${lesson.id}`) : undefined;
    this.#prefix.set(lessonId, prefix);
    return prefix;
  }

  /** Is a published lesson scheduled on its grade's channel yesterday, today or tomorrow? */
  async lesson(lesson: Lesson): Promise<boolean> {
    if (!isPublished(lesson)) return false;
    const hit = this.#lesson.get(lesson.id);
    if (hit) return hit.value;
    const slots = await this.#o.timetable.days([lesson.grade], this.#dates([-1, 0, 1]));
    const onAir = slots.some(
      (s) =>
        (s.source.kind === 'recorded' && s.source.lessonId === lesson.id) ||
        (s.source.kind === 'live' && s.source.backupLessonId === lesson.id), // a live slot's backup (备份方案)
    );
    this.#lesson.set(lesson.id, onAir);
    return onAir;
  }

  /** Is a live lesson on a channel now (a live slot of its grade names it, ±1 min)? */
  async live(liveId: string): Promise<boolean> {
    const hit = this.#live.get(liveId);
    if (hit) return hit.value;
    const live = await this.#o.live.get(liveId);
    let onAir = false;
    if (live && live.status !== 'scheduled') {
      const now = this.#now();
      const tz = this.#o.timeZone;
      const slots = await this.#o.timetable.days([live.grade], this.#dates([-1, 0]));
      onAir = slots.some(
        (s) =>
          s.source.kind === 'live' &&
          s.source.liveLessonId === live.id &&
          slotInstant(s.date, s.start, tz).getTime() - 60_000 <= now &&
          now <= slotInstant(s.date, s.end, tz).getTime() + 60_000,
      );
    }
    this.#live.set(liveId, onAir);
    return onAir;
  }
}
