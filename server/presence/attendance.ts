/**
 * Attendance from heartbeats, with no manual check-in: a student's watch
 * sessions (what they watched, from when to when, on which device) are
 * matched with each lesson of the class's timetable. Watching the grade
 * channel or the live lesson during the slot counts; several devices or
 * tabs at once count once (intervals are merged); watching the recorded
 * lesson later counts as a replay. Pure functions, unit-tested.
 */

export { WATCH_KINDS, type WatchKind } from '../../contracts/presence.ts';
import type { WatchKind } from '../../contracts/presence.ts';

export interface WatchSession {
  kind: WatchKind;
  /** Lesson id (vod), live lesson id (live-hls, webrtc) or channel id (channel). */
  ref: string;
  /** ms since epoch. */
  from: number;
  to: number;
  device: string;
}

export interface AttendanceSlot {
  slotId: string;
  title: string;
  start: number;
  end: number;
  /** The grade channel that broadcasts the slot. */
  channelId: string;
  /** A recorded slot's lesson. */
  lessonId?: string;
  /** A live slot's live lesson. */
  liveLessonId?: string;
}

export type AttendanceStatus = 'present' | 'partial' | 'absent' | 'upcoming';

export interface SlotAttendance {
  slotId: string;
  /** First moment watched (during the slot, or the replay's start). */
  joinedAt?: number;
  watchedSec: number;
  /** Of the slot's length, 0–100. */
  percent: number;
  late: boolean;
  /** Watched the recorded lesson after its slot instead of at its time. */
  replay: boolean;
  status: AttendanceStatus;
  devices: string[];
}

export interface AttendanceRules {
  /** Joining later than this after the start is late. */
  lateAfterSec: number;
  /** Watching at least this share of the lesson is present (less is partial). */
  presentPercent: number;
}

export const DEFAULT_ATTENDANCE_RULES: AttendanceRules = { lateAfterSec: 300, presentPercent: 50 };

/** Merges overlapping intervals (two tabs, two devices, reconnects) and returns their total length. */
export function unionMs(intervals: [number, number][]): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [a, b] of sorted) {
    if (!cur || a > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    } else cur[1] = Math.max(cur[1], b);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

/** Does a session show the slot while it is on? The channel of the grade, or the slot's live lesson. */
function liveMatch(s: WatchSession, slot: AttendanceSlot): boolean {
  if (s.kind === 'channel') return s.ref === slot.channelId;
  if (s.kind === 'live-hls' || s.kind === 'webrtc') return !!slot.liveLessonId && s.ref === slot.liveLessonId;
  // The recorded lesson opened in the player during its own slot counts like the channel.
  return !!slot.lessonId && s.ref === slot.lessonId;
}

export function attendanceFor(
  slot: AttendanceSlot,
  sessions: WatchSession[],
  now: number,
  rules: AttendanceRules = DEFAULT_ATTENDANCE_RULES,
): SlotAttendance {
  const lengthMs = slot.end - slot.start;
  const during = sessions
    .filter((s) => liveMatch(s, slot))
    .map((s) => ({ s, a: Math.max(s.from, slot.start), b: Math.min(s.to, slot.end) }))
    .filter((x) => x.b > x.a);
  let watchedMs = unionMs(during.map((x) => [x.a, x.b]));
  let joinedAt = during.length ? Math.min(...during.map((x) => x.a)) : undefined;
  const devices = new Set(during.map((x) => x.s.device));
  let replay = false;
  if (watchedMs < lengthMs && slot.lessonId) {
    // The recorded lesson watched after its slot: a replay (counted, never late).
    const later = sessions.filter((s) => s.kind === 'vod' && s.ref === slot.lessonId && s.to > slot.end);
    const laterMs = unionMs(later.map((s) => [Math.max(s.from, slot.end), s.to]));
    if (laterMs > 0 && watchedMs === 0) {
      replay = true;
      joinedAt = Math.min(...later.map((s) => Math.max(s.from, slot.end)));
      later.forEach((s) => devices.add(s.device));
    }
    watchedMs = Math.min(lengthMs, watchedMs + laterMs);
  }
  const percent = lengthMs > 0 ? Math.min(100, Math.round((watchedMs / lengthMs) * 100)) : 0;
  const late = !replay && joinedAt !== undefined && joinedAt > slot.start + rules.lateAfterSec * 1000;
  // While the lesson is still on, whoever is watching is present so far; only afterwards can it be partial.
  let status: AttendanceStatus;
  if (watchedMs === 0) status = now < slot.start ? 'upcoming' : 'absent';
  else if (percent >= rules.presentPercent || now < slot.end) status = 'present';
  else status = 'partial';
  return {
    slotId: slot.slotId,
    ...(joinedAt !== undefined ? { joinedAt } : {}),
    watchedSec: Math.round(watchedMs / 1000),
    percent,
    late,
    replay,
    status,
    devices: [...devices].sort(),
  };
}
