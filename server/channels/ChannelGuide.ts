/**
 * The grade channels' programme guide use cases: which channels exist, what
 * is on now and next, a channel's day, and the XMLTV document of the next
 * days. Read from the published timetable (server/timetable/epg.ts does the
 * formatting); the channel routes only parse and answer.
 */
import { AppError } from '../errors.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
import type { Slot } from '../timetable/model.ts';
import {
  channelId,
  channelName,
  datesFrom,
  localDate,
  nowNext,
  programmes,
  toXmltv,
} from '../timetable/epg.ts';

export interface ChannelGuideDeps {
  timetable: TimetableStore;
  /** The district's grades. */
  grades: () => Promise<Set<number>>;
  timeZone: string;
  now?: () => number;
  /** A lesson's title (the live slots' backup lessons are named in the guide). */
  lessonTitle?: (id: string) => Promise<string | undefined>;
  /** The TV check-in code of a slot (shown while it airs). */
  checkInCode?: (grade: number, date: string, slotId: string) => string;
  /** What a channel shows now during a live slot (ChannelService.nowPlaying). */
  nowPlaying?: (grade: number) => Promise<'live' | 'backup' | 'slate' | 'lesson'>;
}

export class ChannelGuide {
  readonly #d: ChannelGuideDeps;
  readonly #now: () => number;

  constructor(d: ChannelGuideDeps) {
    this.#d = d;
    this.#now = d.now ?? Date.now;
  }

  get timeZone(): string {
    return this.#d.timeZone;
  }

  today(): string {
    return localDate(this.#d.timeZone, this.#now());
  }

  async #sortedGrades(): Promise<number[]> {
    return [...(await this.#d.grades())].sort((a, b) => a - b);
  }

  /** The grade of a channel id ("grade-3"), or NOT_FOUND when the district has no such grade. */
  async gradeOf(id: string): Promise<number> {
    const grade = Number(/^grade-(\d{1,2})$/.exec(id)?.[1]);
    if (!(await this.#d.grades()).has(grade))
      throw new AppError('NOT_FOUND', `Channel ${id} was not found; channels are named grade-1 … grade-9.`);
    return grade;
  }

  /** The slots as programmes, their backup lessons named. */
  async #programmes(slots: Slot[]) {
    const ids = [
      ...new Set(
        slots.flatMap((s) =>
          s.source.kind === 'live' && s.source.backupLessonId ? [s.source.backupLessonId] : [],
        ),
      ),
    ];
    const titles = new Map<string, string>();
    for (const id of ids) {
      const t = await this.#d.lessonTitle?.(id);
      if (t) titles.set(id, t);
    }
    return programmes(slots, this.#d.timeZone, titles);
  }

  /** Every channel with what is on now and next (during a live slot: whether the live lesson, its backup or the slate airs). */
  async nowAndNext() {
    const grades = await this.#sortedGrades();
    const today = this.today();
    const list = await this.#programmes(await this.#d.timetable.days(grades, datesFrom(today, 2)));
    const now = new Date(this.#now());
    return {
      timeZone: this.#d.timeZone,
      channels: await Promise.all(
        grades.map(async (g) => {
          const nn = nowNext(
            list.filter((p) => p.channel === channelId(g)),
            now,
          );
          let onAir: 'live' | 'backup' | 'slate' | undefined;
          if (nn.now?.kind === 'live' && this.#d.nowPlaying) {
            const playing = await this.#d.nowPlaying(g).catch(() => undefined);
            onAir = playing === 'lesson' ? undefined : playing;
          }
          // The check-in code of the lesson on now, for children watching on TV (the channel player shows it).
          const code =
            nn.now && this.#d.checkInCode
              ? this.#d.checkInCode(g, localDate(this.#d.timeZone, Date.parse(nn.now.start)), nn.now.slotId)
              : undefined;
          return {
            id: channelId(g),
            grade: g,
            name: channelName(g),
            ...nn,
            ...(onAir ? { onAir } : {}),
            ...(code ? { checkInCode: code } : {}),
          };
        }),
      ),
    };
  }

  /** One channel's programme for a day (default today). */
  async day(id: string, date = this.today()) {
    const grade = await this.gradeOf(id);
    return {
      channel: channelId(grade),
      name: channelName(grade),
      date,
      programmes: await this.#programmes(await this.#d.timetable.day(grade, date)),
    };
  }

  /** XMLTV of every channel for `days` days from today; links point at `baseUrl`. */
  async xmltv(days: number, baseUrl: string): Promise<string> {
    const grades = await this.#sortedGrades();
    const list = await this.#programmes(await this.#d.timetable.days(grades, datesFrom(this.today(), days)));
    return toXmltv(grades, list, this.#d.timeZone, baseUrl);
  }
}
