import { describe, expect, it } from 'vitest';
import {
  attendanceFor,
  unionMs,
  type AttendanceSlot,
  type WatchSession,
} from '../../server/presence/attendance.ts';

const T = Date.parse('2026-11-23T00:00:00Z');
const min = (m: number) => T + m * 60_000;
const slot: AttendanceSlot = {
  slotId: 's1',
  title: '数学',
  start: min(0),
  end: min(20),
  channelId: 'grade-3',
  lessonId: 'les_a',
};
const live: AttendanceSlot = { ...slot, slotId: 's2', lessonId: undefined, liveLessonId: 'live_x' };
const ses = (
  kind: WatchSession['kind'],
  ref: string,
  from: number,
  to: number,
  device = 'phone',
): WatchSession => ({
  kind,
  ref,
  from: min(from),
  to: min(to),
  device,
});
const after = min(30);

describe('attendance from heartbeats', () => {
  it('a student who watched the channel for the whole lesson is present, on time', () => {
    const a = attendanceFor(slot, [ses('channel', 'grade-3', -2, 25)], after);
    expect(a).toMatchObject({
      status: 'present',
      percent: 100,
      late: false,
      replay: false,
      watchedSec: 1200,
    });
    expect(a.joinedAt).toBe(min(0));
  });

  it('joining after 5 minutes is late; the minutes count from the join', () => {
    const a = attendanceFor(slot, [ses('channel', 'grade-3', 8, 20)], after);
    expect(a).toMatchObject({ status: 'present', late: true, percent: 60 });
  });

  it('leaving early is partial once the lesson is over, but present while it is still on', () => {
    expect(attendanceFor(slot, [ses('channel', 'grade-3', 0, 6)], after)).toMatchObject({
      status: 'partial',
      percent: 30,
    });
    expect(attendanceFor(slot, [ses('channel', 'grade-3', 0, 6)], min(7)).status).toBe('present');
  });

  it('reconnects do not lose or double minutes', () => {
    const a = attendanceFor(
      slot,
      [ses('channel', 'grade-3', 0, 9), ses('channel', 'grade-3', 9.5, 20)],
      after,
    );
    expect(a.watchedSec).toBe(1170);
    expect(a.status).toBe('present');
  });

  it('two devices at once count once', () => {
    const a = attendanceFor(
      slot,
      [ses('channel', 'grade-3', 0, 15, 'phone'), ses('vod', 'les_a', 5, 20, 'tv')],
      after,
    );
    expect(a.watchedSec).toBe(1200);
    expect(a.devices).toEqual(['phone', 'tv']);
    expect(
      unionMs([
        [0, 10],
        [5, 15],
        [20, 30],
      ]),
    ).toBe(25);
  });

  it('a live slot counts the live lesson over WebRTC or live HLS, not other lessons', () => {
    expect(
      attendanceFor(live, [ses('webrtc', 'live_x', 0, 10), ses('live-hls', 'live_x', 10, 20)], after).percent,
    ).toBe(100);
    expect(attendanceFor(live, [ses('live-hls', 'live_other', 0, 20)], after).status).toBe('absent');
    expect(attendanceFor(live, [ses('channel', 'grade-4', 0, 20)], after).status).toBe('absent'); // another grade's channel
  });

  it('the recorded lesson watched later is a replay: counted, never late', () => {
    const a = attendanceFor(slot, [ses('vod', 'les_a', 120, 140)], min(150));
    expect(a).toMatchObject({ status: 'present', replay: true, late: false, percent: 100 });
    expect(a.joinedAt).toBe(min(120));
  });

  it('nobody seen: absent after the start, upcoming before it', () => {
    expect(attendanceFor(slot, [], after).status).toBe('absent');
    expect(attendanceFor(slot, [], min(-5)).status).toBe('upcoming');
    expect(attendanceFor(slot, [ses('channel', 'grade-3', -30, -10)], after).status).toBe('absent'); // before the lesson
  });
});
