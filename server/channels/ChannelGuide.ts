/**
 * The grade channels' programme guide use cases: which channels exist, what
 * is on now and next, a channel's day, and the XMLTV document of the next
 * days. Read from the published timetable (server/timetable/epg.ts does the
 * formatting); the channel routes only parse and answer.
 */
import { AppError } from '../errors.ts';
import type { TimetableStore } from '../timetable/TimetableStore.ts';
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

  /** Every channel with what is on now and next. */
  async nowAndNext() {
    const grades = await this.#sortedGrades();
    const today = this.today();
    const list = programmes(await this.#d.timetable.days(grades, datesFrom(today, 2)), this.#d.timeZone);
    const now = new Date(this.#now());
    return {
      timeZone: this.#d.timeZone,
      channels: grades.map((g) => ({
        id: channelId(g),
        grade: g,
        name: channelName(g),
        ...nowNext(
          list.filter((p) => p.channel === channelId(g)),
          now,
        ),
      })),
    };
  }

  /** One channel's programme for a day (default today). */
  async day(id: string, date = this.today()) {
    const grade = await this.gradeOf(id);
    return {
      channel: channelId(grade),
      name: channelName(grade),
      date,
      programmes: programmes(await this.#d.timetable.day(grade, date), this.#d.timeZone),
    };
  }

  /** XMLTV of every channel for `days` days from today; links point at `baseUrl`. */
  async xmltv(days: number, baseUrl: string): Promise<string> {
    const grades = await this.#sortedGrades();
    const list = programmes(
      await this.#d.timetable.days(grades, datesFrom(this.today(), days)),
      this.#d.timeZone,
    );
    return toXmltv(grades, list, this.#d.timeZone, baseUrl);
  }
}
