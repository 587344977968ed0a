/**
 * Watch a grade channel (#/channel/grade-3): the channel's live HLS through
 * hls.js (or the browser's own HLS), what is on now with a countdown to the
 * next lesson, the day's programme, and the stream address for a TV box or VLC.
 */
import { remindToRest } from '../restReminder.ts';
import type Hls from 'hls.js';
import { call, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { clock } from '../format.ts';
import { getLang, t } from '../i18n.ts';
import { onLeave } from '../router.ts';
import { startPresence } from '../presence.ts';
import { playLiveHls } from '../hlsPlayer.ts';
import { listen, realtime } from '../realtime.ts';
import { signal } from '../liveApi.ts';

const time = (iso: string, timeZone: string) =>
  new Date(iso).toLocaleTimeString(getLang(), { hour: '2-digit', minute: '2-digit', timeZone });

export async function renderChannelWatch(me: ApiUser, channelId: string): Promise<HTMLElement> {
  const [{ channels, timeZone }, firstEpg] = await Promise.all([
    call('GET /api/channels'),
    call('GET /api/channels/:id/epg', { params: { id: channelId } }),
  ]);
  let epg = firstEpg;
  const streamUrl = new URL(`/channels/${channelId}/master.m3u8`, location.href).toString();
  const video = h('video', {
    autoplay: true,
    muted: false,
    playsinline: true,
    controls: true,
    'data-testid': 'channel-video',
  });
  const stage = h(
    'div',
    { class: 'player', 'data-testid': 'channel-player', 'data-state': 'loading' },
    video,
  );
  if (me.role === 'student') remindToRest(video, stage, false);
  const messages = h('div', { 'aria-live': 'polite' });
  const onNow = h('p', { class: 'now-line', 'data-testid': 'channel-now' });
  const countdown = h('p', { class: 'muted', 'data-testid': 'channel-countdown' });
  const list = h('ol', { class: 'programme', 'data-testid': 'channel-programme' });

  let hls: Hls | null = null;
  const paint = () => {
    // The picture is a few segments behind the live edge: describe what is on screen (its program date-time).
    const at = hls?.playingDate?.getTime() ?? Date.now();
    const now = new Date(at).toISOString();
    const cur = epg.programmes.find((p) => p.start <= now && now < p.stop);
    const next = epg.programmes.find((p) => p.start > now);
    onNow.textContent = cur
      ? `${t('guideNow')}：${time(cur.start, timeZone)}–${time(cur.stop, timeZone)} ${cur.title}`
      : `${t('guideNow')}：${t('channelBreak')}`;
    countdown.textContent = next
      ? t('channelNextIn', {
          title: next.title,
          at: time(next.start, timeZone),
          left: clock(Math.max(0, (Date.parse(next.start) - at) / 1000)),
        })
      : t('channelDayOver');
    list.replaceChildren(
      ...(epg.programmes.length
        ? epg.programmes.map((p) =>
            h(
              'li',
              { class: p === cur ? 'current' : p.stop <= now ? 'past' : '' },
              `${time(p.start, timeZone)}–${time(p.stop, timeZone)} `,
              p.title,
              p.kind === 'live' ? h('span', { class: 'badge live-live' }, t('kindLive')) : '',
            ),
          )
        : [h('li', { class: 'muted' }, t('channelEmptyDay'))]),
    );
  };
  paint();
  const ticker = setInterval(paint, 1000);
  // A lesson starts or ends (the server's scheduler): re-read the day, which may have been edited since.
  const follow = () => void signal('channel:follow', { channel: channelId }).catch(() => undefined);
  follow();
  const socket = realtime();
  socket.on('connect', follow);
  onLeave(() => {
    socket.off('connect', follow);
    void signal('channel:unfollow', { channel: channelId }).catch(() => undefined);
  });
  onLeave(
    listen('channel:switch', (e) => {
      if (e.channel !== channelId) return;
      void call('GET /api/channels/:id/epg', { params: { id: channelId } }).then((fresh) => {
        epg = fresh;
        stage.dataset.switches = String(Number(stage.dataset.switches ?? 0) + 1);
        paint();
      });
    }),
  );

  let retry: ReturnType<typeof setTimeout> | undefined;
  const start = async () => {
    hls?.destroy();
    hls = null;
    // A starting channel answers 503 for a few seconds: keep retrying every few seconds, not with a growing backoff.
    const player = await playLiveHls(
      video,
      streamUrl,
      {
        manifestLoadingMaxRetry: 20,
        manifestLoadingMaxRetryTimeout: 3000,
        levelLoadingMaxRetry: 20,
        levelLoadingMaxRetryTimeout: 3000,
      },
      {
        // What is playing (a lesson or the slate) and fatal errors, on the player element for tests and support.
        onFragChanged: (url) => (stage.dataset.piece = /\/media\/(vod|slate|live)\//.exec(url)?.[1] ?? ''),
        onAnyFatal: () => (stage.dataset.fatalErrors = String(Number(stage.dataset.fatalErrors ?? 0) + 1)),
        onFatal: () => {
          stage.dataset.state = 'retrying';
          messages.replaceChildren(notice('info', t('channelRetrying')));
          retry = setTimeout(() => void start(), 3000);
        },
      },
    );
    if (player === undefined) {
      messages.replaceChildren(notice('error', t('browserCannotPlay')));
      return;
    }
    hls = player;
    video.addEventListener(
      'playing',
      () => {
        stage.dataset.state = 'playing';
        messages.replaceChildren();
      },
      { once: true },
    );
    void video.play().catch(() => {
      // Autoplay with sound may be refused until the user taps: start muted and say so.
      video.muted = true;
      void video.play().catch(() => undefined);
      messages.replaceChildren(notice('info', t('tapForSound')));
    });
  };
  void start();
  onLeave(
    startPresence(me, () =>
      stage.dataset.state === 'playing'
        ? { kind: 'channel', ref: channelId, title: epg.name, position: video.currentTime }
        : null,
    ),
  );
  onLeave(() => {
    clearInterval(ticker);
    clearTimeout(retry);
    hls?.destroy();
  });

  const name = channels.find((c) => c.id === channelId)?.name ?? epg.name;
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: '#/channels' }, `← ${t('guideTitle')}`)),
    h('h1', {}, name),
    stage,
    messages,
    onNow,
    countdown,
    h('h2', {}, t('channelToday')),
    list,
    h(
      'p',
      { class: 'hint' },
      t('channelStreamUrl'),
      ' ',
      h('code', { 'data-testid': 'channel-url' }, streamUrl),
    ),
  );
}
