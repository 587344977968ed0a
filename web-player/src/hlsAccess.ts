/**
 * The HLS viewing pass: replay and live-HLS URLs are the same for every viewer (so caches serve a
 * whole grade), and access rides in a short-lived HttpOnly cookie the server sets. The app renews it
 * every few minutes while signed in, when the page becomes visible again after a while, and at once
 * when a player meets a 401/403; players then carry on loading (no reload, no visible interruption).
 */
import { call, session } from './api.ts';

const RENEW_EVERY_MS = 4 * 60_000;
let timer: ReturnType<typeof setInterval> | undefined;
let last = 0;
let pending: Promise<boolean> | undefined;

/** Renews the pass now (one request at a time); resolves false when it could not (signed out, offline). */
export function renewHlsAccess(): Promise<boolean> {
  pending ??= call('POST /api/hls/access')
    .then(() => {
      last = Date.now();
      return true;
    })
    .catch(() => false)
    .finally(() => (pending = undefined));
  return pending;
}

/** Keeps the pass fresh while signed in; call once after sign-in or on start with a stored session. */
export async function keepHlsAccess(): Promise<void> {
  if (timer || !session.token) return;
  const first = renewHlsAccess();
  timer = setInterval(() => void renewHlsAccess(), RENEW_EVERY_MS);
  document.addEventListener('visibilitychange', onVisible);
  await first; // posters and players on the first page need it
}

export function stopHlsAccess(): void {
  clearInterval(timer);
  timer = undefined;
  document.removeEventListener('visibilitychange', onVisible);
}

function onVisible(): void {
  // Timers sleep with the laptop lid closed: the pass may have lapsed in the meantime.
  if (document.visibilityState === 'visible' && Date.now() - last > RENEW_EVERY_MS) void renewHlsAccess();
}
