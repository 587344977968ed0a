/**
 * Watch a live lesson (#/live/:id) with sub-second latency over WebRTC.
 * Before the teacher goes live the page waits and connects by itself; a
 * dropped connection is re-joined.
 */
import type { ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t } from '../i18n.ts';
import { gathered, liveApi, signal, SignalError } from '../liveApi.ts';
import { onLeave } from '../main.ts';

export async function renderLiveWatch(_me: ApiUser, lessonId: string): Promise<HTMLElement> {
  const { lesson } = await liveApi.get(lessonId);
  const video = h('video', {
    autoplay: true,
    playsinline: true,
    controls: true,
    'data-testid': 'live-video',
  });
  const stage = h('div', { class: 'player', 'data-testid': 'live-player', 'data-state': 'waiting' }, video);
  const messages = h('div', { 'aria-live': 'polite' });
  let pc: RTCPeerConnection | null = null;
  let peerId: string | null = null;
  let stopped = false;
  let rejoining = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const close = async () => {
    if (peerId) await signal('live:leave', { peerId }).catch(() => undefined);
    peerId = null;
    pc?.close();
    pc = null;
  };

  const join = async () => {
    if (stopped) return;
    try {
      await close();
      const r = await signal<{ peerId: string; offer: RTCSessionDescriptionInit }>('live:watch', {
        lessonId,
      });
      peerId = r.peerId;
      const conn = new RTCPeerConnection();
      pc = conn;
      // A fresh stream per connection: after a rejoin the old tracks are dead.
      const ms = new MediaStream();
      conn.addEventListener('track', (e) => {
        ms.addTrack(e.track);
        if (video.srcObject !== ms) video.srcObject = ms;
      });
      conn.addEventListener('connectionstatechange', () => {
        if (conn !== pc) return;
        if (conn.connectionState === 'connected') {
          stage.dataset.state = 'playing';
          messages.replaceChildren();
          void video.play().catch(() => messages.replaceChildren(notice('info', t('tapToPlay'))));
        }
        if (conn.connectionState === 'failed' || conn.connectionState === 'disconnected') {
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
      await conn.setRemoteDescription(r.offer);
      await conn.setLocalDescription(await conn.createAnswer());
      await gathered(conn);
      await signal('live:answer', { peerId, answer: { type: 'answer', sdp: conn.localDescription!.sdp } });
    } catch (err) {
      if (err instanceof SignalError && err.code === 'CONFLICT') {
        stage.dataset.state = 'waiting';
        messages.replaceChildren(notice('info', t('waitingForTeacher')));
        timer = setTimeout(() => void join(), 3000);
      } else {
        messages.replaceChildren(notice('error', (err as Error).message));
      }
    }
  };

  onLeave(() => {
    stopped = true;
    clearTimeout(timer);
    void close();
  });
  if (lesson.status === 'ended') messages.replaceChildren(notice('info', t('liveEnded')));
  else void join();

  return h(
    'div',
    { class: 'watch' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/live' }, `← ${t('liveTitle')}`)),
    stage,
    messages,
    h('h1', { class: 'watch-title' }, lesson.title),
    h(
      'p',
      { class: 'muted' },
      [t('gradeN', { n: lesson.grade }), lesson.subject, lesson.teacherName].join(' · '),
    ),
  );
}
