/**
 * The lead teacher's studio (#/studio/:id): pick camera and microphone,
 * preview, go live (the camera in three simulcast layers, H.264, and the
 * microphone, Opus, to mediasoup through the server's signaling, with the
 * publish token the server issued), share the screen as a second video and
 * stop it, see how many are watching, end the lesson. A dropped connection
 * (or an SFU restart) is re-published by itself.
 */
import type { ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t } from '../i18n.ts';
import { liveApi, signal, SignalError } from '../liveApi.ts';
import { SfuSession } from '../sfuClient.ts';
import type { types } from 'mediasoup-client';

type Producer = types.Producer;
import { listen } from '../realtime.ts';
import { ApiError, errorText } from '../api.ts';
import { onLeave } from '../router.ts';

export async function renderStudio(me: ApiUser, lessonId: string): Promise<HTMLElement> {
  let { lesson } = await liveApi.get(lessonId);
  const preview = h('video', { autoplay: true, muted: true, playsinline: true, 'data-testid': 'preview' });
  const cameraSel = h('select', { 'aria-label': t('camera'), 'data-testid': 'camera' });
  const micSel = h('select', { 'aria-label': t('microphone'), 'data-testid': 'microphone' });
  const goLive = h('button', { class: 'primary', 'data-testid': 'go-live' }, t('goLive'));
  const endBtn = h(
    'button',
    { class: 'danger-button', 'data-testid': 'end-live', disabled: true },
    t('endLive'),
  );
  const shareBtn = h('button', { 'data-testid': 'share-screen', disabled: true }, t('shareScreen'));
  const state = h('span', { class: 'badge', 'data-testid': 'studio-state' }, t(`live.${lesson.status}`));
  const viewers = h('strong', { 'data-testid': 'viewer-count' }, '0');
  const messages = h('div', { 'aria-live': 'polite' });

  let stream: MediaStream | null = null;
  let screen: MediaStream | null = null;
  let screenProducer: Producer | null = null;
  const screenPreview = h('video', {
    autoplay: true,
    muted: true,
    playsinline: true,
    class: 'pip',
    'data-testid': 'screen-preview',
    hidden: true,
  });
  let session: SfuSession | null = null;
  let producers: Producer[] = [];
  let token: string | null = null;
  let wantLive = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const setState = (key: 'live.live' | 'live.scheduled' | 'live.ended' | 'reconnecting', cls = '') => {
    state.textContent = t(key);
    state.className = `badge ${cls}`;
    state.dataset.state = key;
  };

  const openDevices = async () => {
    stream?.getTracks().forEach((tr) => tr.stop());
    stream = await navigator.mediaDevices.getUserMedia({
      video: {
        deviceId: cameraSel.value ? { exact: cameraSel.value } : undefined,
        width: { ideal: 1280 },
        height: { ideal: 720 },
        frameRate: { ideal: 25 },
      },
      audio: {
        deviceId: micSel.value ? { exact: micSel.value } : undefined,
        echoCancellation: true,
        noiseSuppression: true,
      },
    });
    preview.srcObject = stream;
    if (!cameraSel.options.length) {
      const devices = await navigator.mediaDevices.enumerateDevices();
      const fill = (sel: HTMLSelectElement, kind: MediaDeviceKind) =>
        sel.replaceChildren(
          ...devices
            .filter((d) => d.kind === kind)
            .map((d, i) => h('option', { value: d.deviceId }, d.label || `${kind} ${i + 1}`)),
        );
      fill(cameraSel, 'videoinput');
      fill(micSel, 'audioinput');
    }
    // Switch the devices of a running broadcast without renegotiating.
    for (const pr of producers) {
      const next = stream.getTracks().find((tr) => tr.kind === pr.kind);
      if (next) await pr.replaceTrack({ track: next });
    }
  };

  const closeSession = async () => {
    const s = session;
    session = null;
    producers = [];
    screenProducer = null;
    await s?.close();
  };

  const publish = async () => {
    await closeSession();
    if (!stream) await openDevices();
    const s = await SfuSession.join({ kind: 'live', lessonId });
    session = s;
    s.publishToken = token ?? undefined;
    // The server reset the room (its media server was lost): publish again at once, on a live one.
    s.onReset(() => {
      if (session === s) scheduleRepublish(200);
    });
    await s.onSendState((st) => {
      if (session !== s) return;
      if (st === 'connected') {
        setState('live.live', 'live-live');
        messages.replaceChildren();
      }
      if (st === 'failed' || st === 'disconnected') scheduleRepublish();
    });
    producers = [
      await s.publish(stream!.getAudioTracks()[0]!, 'mic'),
      await s.publish(stream!.getVideoTracks()[0]!, 'camera'),
    ];
    if (screen) screenProducer = await s.publish(screen.getVideoTracks()[0]!, 'screen');
  };

  // Recover by itself: after a network drop, publish again (1 s, 2 s, 4 s… up to 10 s between tries).
  let backoff = 1000;
  const scheduleRepublish = (delay = backoff) => {
    if (!wantLive || retryTimer) return;
    setState('reconnecting', 'review-pending');
    retryTimer = setTimeout(async () => {
      retryTimer = undefined;
      try {
        if (!token) token = (await liveApi.start(lessonId)).publishToken;
        await publish();
        backoff = 1000;
      } catch (err) {
        console.warn('publishing again failed; retrying', err);
        if (
          err instanceof SignalError &&
          (err.code === 'AUTH_TOKEN_EXPIRED' || err.code === 'AUTH_TOKEN_INVALID')
        )
          token = null;
        backoff = Math.min(backoff * 2, 10_000);
        scheduleRepublish();
      }
    }, delay);
  };

  goLive.addEventListener('click', async () => {
    goLive.disabled = true;
    messages.replaceChildren(notice('info', t('connecting')));
    try {
      let started;
      try {
        started = await liveApi.start(lessonId);
      } catch (err) {
        // Outside its timetable slot: a district admin may start it with a reason (audited).
        if (!(err instanceof ApiError && err.code === 'CONFLICT' && me.role === 'district_admin')) throw err;
        const reason = prompt(`${errorText(err)}\n\n${t('liveOutsideSlotPrompt')}`);
        if (!reason) throw err;
        started = await liveApi.start(lessonId, reason);
      }
      lesson = started.lesson;
      token = started.publishToken;
      wantLive = true;
      await publish();
      endBtn.disabled = false;
      shareBtn.disabled = false;
    } catch (err) {
      goLive.disabled = false;
      messages.replaceChildren(notice('error', errorText(err)));
    }
  });

  endBtn.addEventListener('click', async () => {
    if (!confirm(t('confirmEndLive'))) return;
    wantLive = false;
    clearTimeout(retryTimer);
    await closeSession();
    try {
      lesson = (await liveApi.end(lessonId)).lesson;
      setState('live.ended');
      endBtn.disabled = true;
      shareBtn.disabled = true;
      messages.replaceChildren(notice('ok', t('liveEnded')));
    } catch (err) {
      messages.replaceChildren(notice('error', errorText(err)));
    }
  });

  shareBtn.addEventListener('click', async () => {
    if (screen) {
      screen.getTracks().forEach((tr) => tr.stop());
      screen = null;
      shareBtn.textContent = t('shareScreen');
      screenPreview.hidden = true;
      if (screenProducer && session) await session.unpublish(screenProducer);
      screenProducer = null;
      await signal('live:screen', { lessonId, on: false }).catch(() => undefined);
      return;
    }
    try {
      screen = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    } catch {
      return; // the teacher cancelled the picker
    }
    const track = screen.getVideoTracks()[0]!;
    track.contentHint = 'detail'; // slides and writing: keep them sharp
    track.addEventListener('ended', () => {
      if (screen) shareBtn.click();
    });
    if (session) screenProducer = await session.publish(track, 'screen');
    screenPreview.srcObject = screen;
    screenPreview.hidden = false;
    shareBtn.textContent = t('stopSharing');
    await signal('live:screen', { lessonId, on: true }).catch((e: Error) =>
      messages.replaceChildren(notice('error', e.message)),
    );
  });

  cameraSel.addEventListener(
    'change',
    () => void openDevices().catch((e: Error) => messages.replaceChildren(notice('error', e.message))),
  );
  micSel.addEventListener(
    'change',
    () => void openDevices().catch((e: Error) => messages.replaceChildren(notice('error', e.message))),
  );

  onLeave(
    listen('live:viewers', (e) => {
      if (e.lessonId === lessonId) viewers.textContent = String(e.viewers);
    }),
  );
  onLeave(() => {
    wantLive = false;
    clearTimeout(retryTimer);
    void closeSession();
    stream?.getTracks().forEach((tr) => tr.stop());
    screen?.getTracks().forEach((tr) => tr.stop());
  });

  try {
    await openDevices();
  } catch (err) {
    messages.replaceChildren(notice('error', `${t('noCamera')} (${(err as Error).name})`));
  }
  if (lesson.status === 'ended') {
    goLive.disabled = true;
    messages.replaceChildren(notice('info', t('liveEnded')));
  }

  return h(
    'div',
    { class: 'studio' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/live' }, `← ${t('liveTitle')}`)),
    h('div', { class: 'page-head' }, h('h1', {}, lesson.title), state),
    h('div', { class: 'player stage-pip' }, preview, screenPreview),
    h(
      'div',
      { class: 'player-bar' },
      h('label', { class: 'inline' }, t('camera'), cameraSel),
      h('label', { class: 'inline' }, t('microphone'), micSel),
    ),
    h(
      'div',
      { class: 'actions' },
      goLive,
      shareBtn,
      endBtn,
      h('span', { class: 'muted' }, t('viewersNow'), ' ', viewers),
    ),
    messages,
  );
}
