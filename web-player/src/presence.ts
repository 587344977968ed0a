/**
 * Presence heartbeats from a student's (or a co-teacher's) player: what is on screen (a
 * replay, live HLS, WebRTC or a grade channel), the position and the device,
 * every 5 s and at once on a change, over the page's socket.io connection.
 * Pages call the returned function when they are left (the tab's viewing
 * closes); closing the tab or losing the network drops the socket, which
 * the server treats the same way.
 */
import type { ApiUser } from './api.ts';
import { realtime } from './realtime.ts';
import type { PayloadOf } from '../../contracts/realtime.ts';

type Beat = PayloadOf<'presence:beat'>;
/** What the player shows now (a beat without the device and tab, which this module adds). */
export type WatchState = Pick<Beat, 'kind' | 'ref' | 'title'> & { position: number };
export type WatchKind = Beat['kind'];

const BEAT_MS = 5000;
const tabId = (() => {
  const k = 'skyclass.tab';
  let id = sessionStorage.getItem(k);
  if (!id) {
    id = `tab-${Math.random().toString(36).slice(2, 12)}`;
    sessionStorage.setItem(k, id);
  }
  return id;
})();

function device(): NonNullable<Beat['device']> {
  const ua = navigator.userAgent;
  if (/SMART-TV|SmartTV|HbbTV|AppleTV|Android TV|CrKey/i.test(ua)) return 'tv';
  if (/iPad|Tablet/i.test(ua) || (/Android/i.test(ua) && !/Mobile/i.test(ua))) return 'tablet';
  if (/Mobi|iPhone|Android/i.test(ua) || Math.min(screen.width, screen.height) < 600) return 'phone';
  return 'desktop';
}

/** Starts heartbeats for a student or a co-teacher listening along (no-op for others); `state` is read at every beat. */
export function startPresence(me: ApiUser, state: () => WatchState | null): () => void {
  if (me.role !== 'student' && me.role !== 'co_teacher') return () => undefined;
  const socket = realtime();
  let last = '';
  const beat = () => {
    const s = state();
    if (!s) return;
    last = `${s.kind}|${s.ref}`;
    socket.emit('presence:beat', {
      ...s,
      position: Math.max(0, Math.round(s.position)),
      device: device(),
      tab: tabId,
    });
  };
  // A change (e.g. WebRTC → HLS) is sent at once; otherwise every 5 s.
  const check = setInterval(() => {
    const s = state();
    if (s && `${s.kind}|${s.ref}` !== last) beat();
  }, 500);
  const timer = setInterval(beat, BEAT_MS);
  socket.on('connect', beat);
  beat();
  return () => {
    clearInterval(timer);
    clearInterval(check);
    socket.off('connect', beat);
    socket.emit('presence:leave', { tab: tabId });
  };
}
