import type { Slot } from '../timetable/model.ts';
import { channelId, slotInstant } from '../timetable/epg.ts';
import type { AttendanceSlot } from './attendance.ts';

/** A timetable slot as attendance sees it: its instants in the district's zone and what it broadcasts. */
export function toAttendanceSlot(s: Slot, grade: number, timeZone: string): AttendanceSlot {
  return {
    slotId: s.id,
    title: s.title ?? s.subject,
    start: slotInstant(s.date, s.start, timeZone).getTime(),
    end: slotInstant(s.date, s.end, timeZone).getTime(),
    channelId: channelId(grade),
    ...(s.source.kind === 'recorded' ? { lessonId: s.source.lessonId } : {}),
    ...(s.source.kind === 'live' && s.source.liveLessonId ? { liveLessonId: s.source.liveLessonId } : {}),
  };
}
