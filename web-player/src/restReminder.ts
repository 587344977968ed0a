/**
 * Eye health (护眼): after a continuous stretch of watching — the district's
 * `restReminderMinutes`, default 30 — the player reminds the child to rest and
 * look into the distance. The stretch is counted across pages (a replay, then
 * the channel) in localStorage and starts again after a 5-minute pause. A
 * replay pauses until the child says they rested; a live lesson or the channel
 * keeps playing under the reminder (nothing to miss for a break it cannot
 * wait for), and the reminder goes after a minute.
 */
import { call } from './api.ts';
import { h } from './dom.ts';
import { t } from './i18n.ts';
import { onLeave } from './router.ts';

const KEY = 'skyclass.rest';
/** A pause this long is a rest: the stretch starts again. */
export const REST_RESETS_AFTER_MS = 5 * 60_000;
const DEFAULT_MINUTES = 30;

interface Stretch {
  watchedMs: number;
  lastAt: number;
}

function load(now: number): Stretch {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '') as Stretch;
    if (typeof s.watchedMs === 'number' && now - s.lastAt < REST_RESETS_AFTER_MS) return s;
  } catch {
    /* nothing stored */
  }
  return { watchedMs: 0, lastAt: now };
}
const save = (s: Stretch) => localStorage.setItem(KEY, JSON.stringify(s));

let minutes: Promise<number> | undefined;
/** The district's figure, read once per page load (anyone signed in may read the rules). */
function limitMinutes(): Promise<number> {
  minutes ??= call('GET /api/timetable/rules', { query: {} })
    .then((r) => r.rules.restReminderMinutes ?? DEFAULT_MINUTES)
    .catch(() => DEFAULT_MINUTES);
  return minutes;
}

/** Watches a player; `stage` gets the reminder; `pausable`: a replay (paused until the child has rested). */
export function remindToRest(video: HTMLMediaElement, stage: HTMLElement, pausable: boolean): void {
  let last = 0;
  let shown: HTMLElement | null = null;
  const tick = async () => {
    const now = Date.now();
    const s = load(now);
    if (!video.paused && last) s.watchedMs += Math.min(now - last, 5_000); // a frozen tab does not count
    s.lastAt = now;
    last = video.paused ? 0 : now;
    save(s);
    const limit = (await limitMinutes()) * 60_000;
    if (s.watchedMs >= limit && !shown) show(s.watchedMs);
  };
  const show = (ms: number) => {
    if (pausable) video.pause();
    const done = () => {
      save({ watchedMs: 0, lastAt: Date.now() });
      shown?.remove();
      shown = null;
      if (pausable) void video.play().catch(() => undefined);
    };
    shown = h(
      'div',
      { class: 'rest-reminder', role: 'alert', 'data-testid': 'rest-reminder' },
      h('strong', {}, t('rest.title', { n: Math.round(ms / 60_000) })),
      h('p', {}, t('rest.body')),
      h('button', { type: 'button', 'data-testid': 'rest-done', onclick: done }, t('rest.done')),
    );
    stage.append(shown);
    if (!pausable) setTimeout(() => shown && done(), 60_000);
  };
  const timer = setInterval(() => void tick(), 1000);
  onLeave(() => clearInterval(timer));
}
