/**
 * Replay a recorded lesson (#/watch/:id): hls.js where Media Source
 * Extensions exist, the browser's own HLS where it plays it (Safari, iOS).
 * Quality menu with automatic mode and a sound-only mode for weak networks,
 * speed 0.75–2×, and resume from where this user stopped.
 */
import { materialsPanel } from '../materialsPanel.ts';
import type Hls from 'hls.js';
import type { ApiUser } from '../api.ts';
import { ApiError, session } from '../api.ts';
import { h, notice } from '../dom.ts';
import { clock } from '../format.ts';
import { t } from '../i18n.ts';
import { lessonsApi, type Playback } from '../lessonsApi.ts';
import { navigate, onLeave } from '../router.ts';
import { remindToRest } from '../restReminder.ts';
import { startPresence } from '../presence.ts';
import { renewHlsAccess } from '../hlsAccess.ts';
import { loadAgain } from '../hlsPlayer.ts';

const SPEEDS = [0.75, 1, 1.25, 1.5, 2];
const SAVE_EVERY_MS = 5000;
const AUDIO_ONLY = 'audio';
/** The last position write; a page opened right after leaving another waits for it, so "resume" sees it. */
let lastWrite: Promise<unknown> = Promise.resolve();

export async function renderWatch(me: ApiUser, lessonId: string): Promise<HTMLElement> {
  await lastWrite.catch(() => undefined);
  const { lesson } = await lessonsApi.get(lessonId);
  if (lesson.status !== 'ready') {
    return h(
      'div',
      {},
      h('h1', {}, lesson.title),
      notice('info', t('notReadyYet')),
      h('p', {}, h('a', { href: '#/lessons' }, `← ${t('lessonsTitle')}`)),
    );
  }
  let pb: Playback = await lessonsApi.playback(lessonId);

  const video = h('video', {
    controls: true,
    playsinline: true,
    'webkit-playsinline': true,
    preload: 'metadata',
    poster: pb.posterUrl,
    'data-testid': 'video',
  });
  const stage = h('div', { class: 'player', 'data-testid': 'player' }, video);
  if (me.role === 'student') remindToRest(video, stage, true);
  const quality = h('select', { 'aria-label': t('quality'), 'data-testid': 'quality' });
  const speed = h(
    'select',
    { 'aria-label': t('speed'), 'data-testid': 'speed' },
    SPEEDS.map((s) => h('option', { value: s, selected: s === 1 }, `${s}×`)),
  );
  // Subtitles (字幕) for students who cannot hear: off by default, or a language the lesson has.
  let subs = -1;
  const subtitles = h(
    'select',
    { 'aria-label': t('subtitles'), 'data-testid': 'subtitles' },
    h('option', { value: '-1' }, t('subtitlesOff')),
    (lesson.subtitles ?? []).map((s, i) => h('option', { value: String(i) }, s.name)),
  );
  const applySubtitles = () => {
    if (hls) {
      hls.subtitleDisplay = subs >= 0;
      hls.subtitleTrack = subs;
    } else {
      const want = lesson.subtitles?.[subs]?.language;
      for (const tr of Array.from(video.textTracks))
        tr.mode = want && tr.language === want ? 'showing' : 'disabled';
    }
  };
  video.addEventListener('loadedmetadata', applySubtitles);
  subtitles.addEventListener('change', () => {
    subs = Number(subtitles.value);
    applySubtitles();
  });
  const nowPlaying = h('span', { class: 'hint', 'data-testid': 'now-playing' });
  const messages = h('div', { 'aria-live': 'polite' });
  const network = h('div', { 'aria-live': 'polite' }); // transient network notices, cleared when data flows again
  const bar = h(
    'div',
    { class: 'player-bar' },
    h('label', { class: 'inline' }, t('quality'), quality),
    h('label', { class: 'inline' }, t('speed'), speed),
    lesson.subtitles?.length ? h('label', { class: 'inline' }, t('subtitles'), subtitles) : '',
    nowPlaying,
  );

  let hls: Hls | null = null;
  let HlsClass: typeof Hls | null = null;
  let mode: 'hls.js' | 'native' | 'none' = 'none';
  let wanted = -1; // -1 = automatic; otherwise an hls.js level index; AUDIO_ONLY handled apart
  let audioOnly = false;

  const setNowPlaying = () => {
    if (audioOnly) nowPlaying.textContent = t('audioOnlyPlaying');
    else if (hls && hls.currentLevel >= 0) {
      const l = hls.levels[hls.currentLevel];
      nowPlaying.textContent = l ? `${wanted === -1 ? `${t('auto')} · ` : ''}${l.height}p` : '';
      stage.dataset.level = l ? String(l.height) : '';
    } else nowPlaying.textContent = '';
  };

  const fillQuality = () => {
    const opts: HTMLOptionElement[] = [h('option', { value: '-1' }, t('auto'))];
    if (hls) {
      hls.levels
        .map((l, i) => ({ height: l.height, i }))
        .filter((l) => l.height > 0)
        .sort((a, b) => b.height - a.height) // best first, as people expect in a quality menu
        .forEach((l) => opts.push(h('option', { value: String(l.i) }, `${l.height}p`)));
    }
    if (pb.audioOnlyUrl) opts.push(h('option', { value: AUDIO_ONLY }, t('audioOnly')));
    quality.replaceChildren(...opts);
    quality.value = audioOnly ? AUDIO_ONLY : String(wanted);
  };

  /** What the player plays (the master playlist, or the audio-only one). */
  let source = '';
  const attach = async (url: string, at: number) => {
    source = url;
    const rate = video.playbackRate;
    const wasPlaying = !video.paused;
    hls?.destroy();
    hls = null;
    stage.dataset.engine = '';
    if (!HlsClass) HlsClass = (await import('hls.js')).default;
    if (HlsClass.isSupported()) {
      mode = 'hls.js';
      const player = new HlsClass({ startPosition: at, capLevelToPlayerSize: true, maxBufferLength: 30 });
      hls = player;
      // hls.js starts loading at `at`; make sure the element is there too once it knows the media
      // (seen on a loaded machine: the first fragment loaded from 0 and the resume was lost).
      if (at > 0)
        video.addEventListener(
          'loadedmetadata',
          () => {
            if (video.currentTime < at - 1) video.currentTime = at;
          },
          { once: true },
        );
      player.on(HlsClass.Events.MANIFEST_PARSED, () => {
        fillQuality();
        if (!audioOnly && wanted >= 0) player.currentLevel = wanted;
      });
      player.on(HlsClass.Events.SUBTITLE_TRACKS_UPDATED, applySubtitles);
      player.on(HlsClass.Events.LEVEL_SWITCHED, setNowPlaying);
      let mediaRecoveries = 0;
      player.on(HlsClass.Events.ERROR, (_e, data) => {
        // A lapsed pass: also when hls.js would only skip the level it could not load (not fatal).
        const status = data.response?.code;
        if (status === 403 || status === 401) return void renewAccess(player);
        if (!data.fatal) return;
        if (data.type === HlsClass!.ErrorTypes.NETWORK_ERROR) {
          network.replaceChildren(notice('info', t('networkRetrying')));
          setTimeout(() => loadAgain(player, url), 2000);
        } else if (data.type === HlsClass!.ErrorTypes.MEDIA_ERROR && mediaRecoveries++ < 3) {
          player.recoverMediaError();
        } else {
          messages.replaceChildren(notice('error', t('playbackFailed')));
        }
      });
      player.on(HlsClass.Events.FRAG_LOADED, () => {
        denials = 0;
        if (network.firstChild) network.replaceChildren();
      });
      player.loadSource(url);
      player.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      mode = 'native';
      video.src = url;
      video.addEventListener('loadedmetadata', () => (video.currentTime = at), { once: true });
      fillQuality();
    } else {
      messages.replaceChildren(notice('error', t('browserCannotPlay')));
      return;
    }
    stage.dataset.engine = mode;
    video.playbackRate = rate;
    if (wasPlaying) void video.play().catch(() => undefined);
    setNowPlaying();
  };

  // The viewing pass (a cookie) lapsed — a laptop asleep, a long pause: renew it and let hls.js carry on
  // loading where it stopped (the picture keeps playing from its buffer). If the renewal is refused
  // (signed out, the lesson withdrawn), ask the server why and say so.
  let denials = 0;
  const resume = (player: Hls) => {
    if (!audioOnly && wanted >= 0 && player.levels.length) player.currentLevel = wanted; // the quality asked for, again
    loadAgain(player, source);
  };
  const renewAccess = async (player: Hls) => {
    if (denials++ === 0 && (await renewHlsAccess())) {
      resume(player);
      return;
    }
    try {
      pb = await lessonsApi.playback(lessonId); // renews the pass too, or says why not
      resume(player);
    } catch (e) {
      messages.replaceChildren(notice('error', e instanceof ApiError ? e.message : t('playbackFailed')));
    }
  };

  quality.addEventListener('change', () => {
    const v = quality.value;
    if (v === AUDIO_ONLY) {
      audioOnly = true;
      stage.classList.add('audio-only');
      void attach(pb.audioOnlyUrl!, video.currentTime);
      return;
    }
    const level = Number(v);
    wanted = level;
    if (audioOnly) {
      audioOnly = false;
      stage.classList.remove('audio-only');
      void attach(pb.masterUrl, video.currentTime);
    } else if (hls) {
      hls.currentLevel = level; // -1: automatic (ABR)
    }
    setNowPlaying();
  });
  speed.addEventListener('change', () => {
    video.playbackRate = Number(speed.value);
  });
  video.addEventListener('ratechange', () => {
    if (String(video.playbackRate) !== speed.value) speed.value = String(video.playbackRate);
  });

  // Resume: remember the position every few seconds, on pause, and when the page goes away.
  let lastSaved = pb.position;
  const save = (keepalive = false) => {
    const pos = video.currentTime;
    if (!Number.isFinite(pos) || Math.abs(pos - lastSaved) < 1) return;
    lastSaved = pos;
    if (keepalive) {
      lastWrite = fetch(`/api/lessons/${lessonId}/position`, {
        method: 'PUT',
        keepalive: true,
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${session.token ?? ''}`,
        },
        body: JSON.stringify({ seconds: pos }),
      }).catch(() => undefined);
    } else lastWrite = lessonsApi.savePosition(lessonId, pos).catch(() => undefined);
  };
  const timer = setInterval(() => {
    if (!video.paused) save();
  }, SAVE_EVERY_MS);
  video.addEventListener('pause', () => save());
  video.addEventListener('ended', () => {
    lastSaved = -10;
    void lessonsApi.savePosition(lessonId, 0).catch(() => undefined);
  });
  const onHide = () => save(true);
  window.addEventListener('pagehide', onHide);
  // Presence for the class's teachers: a replay of this lesson, while it plays.
  onLeave(
    startPresence(me, () =>
      video.paused && video.currentTime === 0
        ? null
        : { kind: 'vod', ref: lessonId, title: lesson.title, position: video.currentTime },
    ),
  );
  onLeave(() => {
    save(true);
    clearInterval(timer);
    window.removeEventListener('pagehide', onHide);
    hls?.destroy();
    video.removeAttribute('src');
    video.load();
  });

  const duration = lesson.durationSec ?? 0;
  const resumeAt = pb.position > 5 && pb.position < duration - 10 ? pb.position : 0;
  if (resumeAt > 0) {
    messages.replaceChildren(
      h(
        'p',
        { class: 'notice info', 'data-testid': 'resume-notice' },
        t('resumedAt', { at: clock(resumeAt) }),
        ' ',
        h(
          'button',
          {
            class: 'small link',
            onclick: () => {
              video.currentTime = 0;
              messages.replaceChildren();
            },
          },
          t('fromStart'),
        ),
      ),
    );
  }
  await attach(pb.masterUrl, resumeAt);

  return h(
    'div',
    { class: 'watch' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/lessons' }, `← ${t('lessonsTitle')}`)),
    stage,
    bar,
    network,
    messages,
    h('h1', { class: 'watch-title' }, lesson.title),
    h(
      'p',
      { class: 'muted' },
      [t('gradeN', { n: lesson.grade }), lesson.subject, lesson.teacherName, duration ? clock(duration) : '']
        .filter(Boolean)
        .join(' · '),
    ),
    materialsPanel(
      { kind: 'lesson', lessonId: lesson.id },
      me.role === 'district_admin' || (me.role === 'lead_teacher' && !!me.grades?.includes(lesson.grade)),
    ),
    lesson.canManage ? subtitleForm(lesson.id) : '',
  );
}

/** The lesson's teacher adds subtitles (WebVTT or SRT) in a language; the page reloads to offer them. */
function subtitleForm(lessonId: string): HTMLElement {
  const file = h('input', {
    type: 'file',
    accept: '.vtt,.srt,text/vtt',
    required: true,
    'data-testid': 'subs-file',
  });
  const lang = h(
    'select',
    { 'data-testid': 'subs-lang' },
    h('option', { value: 'zh-CN' }, '中文'),
    h('option', { value: 'en' }, 'English'),
  );
  const status = h('div', { class: 'status-area' });
  return h(
    'form',
    {
      class: 'card form',
      'data-testid': 'subs-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const f = file.files?.[0];
        if (!f) return;
        try {
          const res = await fetch(`/api/lessons/${lessonId}/subtitles/${lang.value}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${session.token}`, 'content-type': 'text/plain' },
            body: f,
          });
          const body = (await res.json()) as { error?: { message: string } };
          if (!res.ok) throw new Error(body.error?.message ?? res.statusText);
          status.replaceChildren(notice('ok', t('subtitlesAdded')));
          setTimeout(() => navigate(`#/watch/${lessonId}`), 600);
        } catch (e) {
          status.replaceChildren(notice('error', e instanceof Error ? e.message : String(e)));
        }
      },
    },
    h('h2', {}, t('subtitlesAdd')),
    h('p', { class: 'hint' }, t('subtitlesHint')),
    h(
      'p',
      {},
      file,
      ' ',
      lang,
      ' ',
      h('button', { type: 'submit', 'data-testid': 'subs-upload' }, t('subtitlesUpload')),
    ),
    status,
  );
}
