/**
 * Watch a live lesson (#/live/:id). Two ways: WebRTC through mediasoup with
 * sub-second latency (the default for teachers; the SFU picks the camera's
 * simulcast layer from the line, or the viewer caps it with the quality
 * menu) and live HLS through hls.js or the browser's own HLS (the default
 * for students: it scales through the CDN).
 * When WebRTC cannot connect the page falls back to HLS by itself. Before
 * the teacher goes live the page waits and connects when the lesson starts.
 */
import { remindToRest } from '../restReminder.ts';
import { renewHlsAccess } from '../hlsAccess.ts';
import type Hls from 'hls.js';
import { ApiError, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t } from '../i18n.ts';
import { liveApi, SignalError } from '../liveApi.ts';
import { SfuSession, type SfuProducer } from '../sfuClient.ts';
import { onLeave } from '../router.ts';
import { listen } from '../realtime.ts';
import { startPresence } from '../presence.ts';
import { playLiveHls } from '../hlsPlayer.ts';
import { WEBRTC_FALLBACK, webrtcFallback } from '../webrtcFallback.ts';

export async function renderLiveWatch(
  me: ApiUser,
  lessonId: string,
  query = new URLSearchParams(),
): Promise<HTMLElement> {
  const { lesson } = await liveApi.get(lessonId);
  const video = h('video', {
    autoplay: true,
    playsinline: true,
    controls: true,
    'data-testid': 'live-video',
  });
  const screenVideo = h('video', {
    autoplay: true,
    muted: true,
    playsinline: true,
    class: 'screen',
    'data-testid': 'live-screen',
  });
  const stage = h(
    'div',
    { class: 'player stage-pip', 'data-testid': 'live-player', 'data-state': 'waiting' },
    video,
    screenVideo,
  );
  if (me.role === 'student') remindToRest(video, stage, false);

  if (lesson.screenOn) stage.classList.add('sharing');
  onLeave(
    listen('live:screen', (e) => {
      if (e.lessonId === lessonId) stage.classList.toggle('sharing', e.on);
    }),
  );
  onLeave(
    // The teacher's camera is up again: join now unless this page already receives it (a joined page
    // also gets new producers through sfu:producer; this covers one that arrived while it was joining).
    listen('live:publisher', (e) => {
      if (e.lessonId !== lessonId || mode !== 'webrtc' || stopped) return;
      if (session && !session.closed && cameraConsumer) return;
      clearTimeout(timer);
      rejoining = false;
      void join();
    }),
  );
  const messages = h('div', { 'aria-live': 'polite', 'data-testid': 'live-messages' });
  let session: SfuSession | null = null;
  let cameraConsumer: string | null = null;
  const quality = h(
    'select',
    { 'aria-label': t('quality'), 'data-testid': 'live-quality', hidden: true },
    h('option', { value: 'auto' }, t('auto')),
    h('option', { value: '2' }, t('qualityHigh')),
    h('option', { value: '1' }, t('qualityMedium')),
    h('option', { value: '0' }, t('qualityLow')),
  );
  quality.addEventListener('change', () => {
    if (session && cameraConsumer)
      void session
        .setLayer(cameraConsumer, quality.value === 'auto' ? null : Number(quality.value))
        .catch((e: Error) => messages.replaceChildren(notice('error', e.message)));
  });
  let stopped = false;
  let rejoining = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  let mode: 'webrtc' | 'hls' =
    query.get('mode') === 'hls' || query.get('mode') === 'webrtc'
      ? (query.get('mode') as 'webrtc' | 'hls')
      : me.role === 'student'
        ? 'hls'
        : 'webrtc';
  let hls: Hls | null = null;
  let connectTimer: ReturnType<typeof setTimeout> | undefined;
  const modeLabel = h('span', { class: 'hint', 'data-testid': 'live-mode' });
  const switchBtn = h('button', { class: 'small', 'data-testid': 'switch-mode' });

  const close = async () => {
    clearTimeout(connectTimer);
    const s = session;
    session = null;
    cameraConsumer = null;
    quality.hidden = true;
    await s?.close();
    hls?.destroy();
    hls = null;
  };

  const showMode = () => {
    stage.dataset.mode = mode;
    modeLabel.textContent = mode === 'webrtc' ? t('modeWebrtc') : t('modeHls');
    switchBtn.textContent = mode === 'webrtc' ? t('useHls') : t('useWebrtc');
  };

  const joinHls = async () => {
    if (stopped) return;
    try {
      await close();
      video.srcObject = null;
      const { masterUrl } = await liveApi.playback(lessonId);
      const player = await playLiveHls(
        video,
        masterUrl,
        { liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.2 },
        {
          renewAccess: renewHlsAccess,
          onFatal: () => {
            // Counted on the stage (the cluster test checks that a media node's loss causes none).
            stage.dataset.hlsFatal = String(Number(stage.dataset.hlsFatal ?? 0) + 1);
            timer = setTimeout(() => void joinHls(), 2000);
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
          messages.replaceChildren(...(fellBack ? [fellBack] : []));
        },
        { once: true },
      );
      void video.play().catch(() => messages.replaceChildren(notice('info', t('tapToPlay'))));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONFLICT') {
        stage.dataset.state = 'waiting';
        messages.replaceChildren(notice('info', t('waitingForTeacher')));
        timer = setTimeout(() => void joinHls(), 3000);
      } else messages.replaceChildren(notice('error', (err as Error).message));
    }
  };

  /** Why the page is on HLS though WebRTC was asked for: stays on screen while HLS plays. */
  let fellBack: HTMLElement | null = null;
  const fallBackToHls = () => {
    if (mode !== 'webrtc' || stopped) return;
    mode = 'hls';
    showMode();
    fellBack = notice('info', t('fellBackToHls'));
    messages.replaceChildren(fellBack);
    void joinHls();
  };

  switchBtn.addEventListener('click', () => {
    fellBack = null;
    mode = mode === 'webrtc' ? 'hls' : 'webrtc';
    showMode();
    stage.dataset.state = 'waiting';
    void (mode === 'hls' ? joinHls() : join());
  });

  /** Only the newest join goes on (a reset, a dropped line and live:publisher may all ask at once). */
  let joinSeq = 0;
  let everPlayed = false;
  const join = async () => {
    if (stopped) return;
    const seq = ++joinSeq;
    try {
      await close();
      const s = await SfuSession.join({ kind: 'live', lessonId });
      if (seq !== joinSeq || stopped) {
        await s.close();
        return;
      }
      session = s;
      // A fresh stream per session: after a rejoin the old tracks are dead.
      const ms = new MediaStream();
      const screenOf = new Map<string, MediaStream>();
      const take = async (p: SfuProducer) => {
        if (session !== s || p.userId !== lesson.teacherId) return;
        const w = await s.watch(p.id);
        if (p.source === 'screen') {
          // The teacher's screen (a second video): shown large while shared, the camera goes small.
          const st = new MediaStream([w.track]);
          screenOf.set(p.id, st);
          screenVideo.srcObject = st;
          return;
        }
        ms.getTracks()
          .filter((tr) => tr.kind === w.track.kind)
          .forEach((tr) => ms.removeTrack(tr));
        ms.addTrack(w.track);
        if (video.srcObject !== ms) video.srcObject = ms;
        if (p.source === 'camera') {
          cameraConsumer = w.consumer.id;
          quality.hidden = w.layers < 2;
          if (quality.value !== 'auto') await s.setLayer(w.consumer.id, Number(quality.value));
        }
      };
      s.onProducer(
        (p) =>
          void take(p).catch(() => {
            // The stream could not be taken (the room changing under it): join again shortly.
            if (session === s && !stopped) timer = setTimeout(() => void join(), 2000);
          }),
      );
      s.onProducerClosed((id) => {
        if (screenOf.delete(id)) screenVideo.srcObject = null;
      });
      s.onReset(() => {
        if (session === s) void join();
      });
      await s.onRecvState((st) => {
        if (session !== s) return;
        if (st === 'connected') {
          everPlayed = true;
          stage.dataset.state = 'playing';
          messages.replaceChildren();
          void video.play().catch(() => messages.replaceChildren(notice('info', t('tapToPlay'))));
        }
        if (st === 'failed' || st === 'disconnected') {
          stage.dataset.state = 'reconnecting';
          messages.replaceChildren(notice('info', t('networkRetrying')));
          if (!rejoining) {
            rejoining = true;
            timer = setTimeout(() => {
              rejoining = false;
              void join();
            }, 2000);
          }
        }
      });
      const teacher = s.producers.filter((p) => p.userId === lesson.teacherId);
      if (!teacher.some((p) => p.source === 'camera')) {
        // Live, but the teacher's camera is not up yet: live:publisher says when it is.
        stage.dataset.state = 'waiting';
        messages.replaceChildren(notice('info', t('waitingForTeacher')));
      }
      for (const p of teacher) await take(p);
      // No picture over WebRTC: HLS instead when the server cannot be reached (webrtcFallback). A page
      // that has played over WebRTC before knows it works here, and keeps rejoining instead.
      const asked = Date.now();
      const settled = () => session !== s || everPlayed || stage.dataset.state === 'playing';
      const check = async () => {
        if (settled()) return;
        const reachable = await s.recvReachable().catch(() => false);
        if (settled()) return;
        if (webrtcFallback(Date.now() - asked, reachable) === 'hls') fallBackToHls();
        else connectTimer = setTimeout(() => void check(), WEBRTC_FALLBACK.recheckMs);
      };
      if (teacher.length) connectTimer = setTimeout(() => void check(), WEBRTC_FALLBACK.afterMs);
    } catch (err) {
      if (err instanceof SignalError && err.code === 'CONFLICT') {
        stage.dataset.state = 'waiting';
        messages.replaceChildren(notice('info', t('waitingForTeacher')));
        timer = setTimeout(() => void join(), 3000);
      } else if (err instanceof SignalError && (err.code === 'FORBIDDEN_SCOPE' || err.code === 'NOT_FOUND')) {
        messages.replaceChildren(notice('error', err.message));
      } else if (everPlayed) {
        // WebRTC works here: a failed rejoin (the SFU still restarting) is tried again, not given up.
        stage.dataset.state = 'reconnecting';
        timer = setTimeout(() => void join(), 2000);
      } else {
        fallBackToHls();
      }
    }
  };

  onLeave(
    startPresence(me, () =>
      stage.dataset.state === 'playing'
        ? {
            kind: mode === 'webrtc' ? 'webrtc' : 'live-hls',
            ref: lessonId,
            title: lesson.title,
            position: video.currentTime,
          }
        : null,
    ),
  );
  // A watchdog: pictures that stopped for 9 s over WebRTC that once worked (a missed event, a restart
  // seen half-way) mean joining again, whatever the cause.
  let lastFrames = -1;
  let stillSince = Date.now();
  const watchdog = setInterval(() => {
    if (mode !== 'webrtc' || stopped || !everPlayed) return;
    const n = video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    if (n !== lastFrames) {
      lastFrames = n;
      stillSince = Date.now();
    } else if (Date.now() - stillSince > 9000) {
      stillSince = Date.now();
      void join();
    }
  }, 3000);
  onLeave(() => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(watchdog);
    void close();
  });
  showMode();
  if (lesson.status === 'ended') {
    messages.replaceChildren(
      notice('info', t('liveEnded')),
      lesson.replayLessonId
        ? h(
            'a',
            {
              class: 'button primary-link',
              href: `#/watch/${lesson.replayLessonId}`,
              'data-testid': 'to-replay',
            },
            t('watchReplay'),
          )
        : '',
    );
  } else void (mode === 'hls' ? joinHls() : join());

  return h(
    'div',
    { class: 'watch' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/live' }, `← ${t('liveTitle')}`)),
    stage,
    h('div', { class: 'player-bar' }, modeLabel, quality, lesson.status !== 'ended' && switchBtn),
    messages,
    h('h1', { class: 'watch-title' }, lesson.title),
    h(
      'p',
      { class: 'muted' },
      [t('gradeN', { n: lesson.grade }), lesson.subject, lesson.teacherName].join(' · '),
    ),
  );
}
