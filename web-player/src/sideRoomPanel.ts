/**
 * The side room panel on the class room page (小班语音视频): the co-teacher
 * opens and closes it, speaks, and gives or takes back the floor; everyone
 * in the class watches whoever speaks; a student with the floor can speak.
 * Signaling goes through the server (side:* events), never to the SFU.
 */
import type { ApiUser } from './api.ts';
import { h, notice } from './dom.ts';
import { t } from './i18n.ts';
import { gathered, preferH264, signal, SignalError } from './liveApi.ts';
import { realtime } from './realtime.ts';
import type { SideState } from '../../contracts/realtime.ts';

export function sideRoomPanel(
  me: ApiUser,
  classId: string,
  names: () => Map<string, string>,
  hands: () => string[],
  onLeave: (fn: () => void) => void,
): { el: HTMLElement; refresh: () => void } {
  const socket = realtime();
  const grid = h('div', { class: 'side-grid', 'data-testid': 'side-grid' });
  const controls = h('div', { class: 'row' });
  const floorBox = h('div', {});
  const messages = h('div', { 'aria-live': 'polite' });
  const watching = new Map<string, { pc: RTCPeerConnection; peerId: string; tile: HTMLElement }>();
  let mine: { pc: RTCPeerConnection; peerId: string; stream: MediaStream } | null = null;
  let st: Pick<SideState, 'classId' | 'open' | 'floor' | 'publishers'> = {
    classId,
    open: false,
    floor: [],
    publishers: [],
  };
  const say = (e: unknown) =>
    messages.replaceChildren(
      notice('error', e instanceof SignalError || e instanceof Error ? e.message : String(e)),
    );

  const speak = async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: 640, height: 360 },
      });
      const pc = new RTCPeerConnection();
      pc.addTransceiver(stream.getAudioTracks()[0]!, { direction: 'sendonly' });
      preferH264(pc.addTransceiver(stream.getVideoTracks()[0]!, { direction: 'sendonly' }));
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const r = await signal('side:publish', {
        classId,
        offer: { type: 'offer', sdp: pc.localDescription!.sdp },
      });
      await pc.setRemoteDescription(r.answer);
      mine = { pc, peerId: r.peerId, stream };
      paint();
    } catch (e) {
      say(e);
    }
  };
  const stopSpeaking = () => {
    if (!mine) return;
    mine.stream.getTracks().forEach((tr) => tr.stop());
    mine.pc.close();
    void signal('side:leave', { classId, peerId: mine.peerId }).catch(() => undefined);
    mine = null;
  };
  const watch = async (publisherId: string) => {
    if (watching.has(publisherId) || publisherId === me.id) return;
    const video = h('video', { autoplay: true, playsinline: true, 'data-publisher': publisherId });
    const tile = h(
      'figure',
      { class: 'side-tile' },
      video,
      h('figcaption', {}, names().get(publisherId) ?? ''),
    );
    try {
      const w = await signal('side:watch', {
        classId,
        publisherId,
      });
      const pc = new RTCPeerConnection();
      pc.ontrack = (e) => {
        if (!video.srcObject) video.srcObject = new MediaStream();
        (video.srcObject as MediaStream).addTrack(e.track);
      };
      await pc.setRemoteDescription(w.offer);
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      await signal('side:answer', {
        classId,
        peerId: w.peerId,
        answer: { type: 'answer', sdp: pc.localDescription!.sdp },
      });
      watching.set(publisherId, { pc, peerId: w.peerId, tile });
      grid.append(tile);
    } catch (e) {
      say(e);
    }
  };
  const unwatch = (publisherId: string) => {
    const w = watching.get(publisherId);
    if (!w) return;
    w.pc.close();
    w.tile.remove();
    watching.delete(publisherId);
    void signal('side:leave', { classId, peerId: w.peerId }).catch(() => undefined);
  };

  const paint = () => {
    const teacher = me.role === 'co_teacher';
    const mayspeak = teacher || st.floor.includes(me.id);
    if (!mayspeak && mine) stopSpeaking(); // the floor was taken back
    controls.replaceChildren(
      teacher && !st.open
        ? h(
            'button',
            {
              class: 'primary',
              'data-testid': 'side-open',
              onclick: () => void signal('side:open', { classId }).catch(say),
            },
            t('sideOpen'),
          )
        : '',
      teacher && st.open
        ? h(
            'button',
            { class: 'danger', onclick: () => void signal('side:close', { classId }).catch(say) },
            t('sideClose'),
          )
        : '',
      st.open && mayspeak && !mine
        ? h('button', { 'data-testid': 'side-speak', onclick: () => void speak() }, t('sideSpeak'))
        : '',
      st.open && mine ? h('button', { onclick: () => (stopSpeaking(), paint()) }, t('sideStop')) : '',
    );
    const candidates = [...new Set([...hands(), ...st.floor])];
    floorBox.replaceChildren(
      teacher && st.open && candidates.length
        ? h(
            'p',
            {},
            t('sideFloor'),
            ...candidates.map((id) => {
              const has = st.floor.includes(id);
              return h(
                'button',
                {
                  class: 'small',
                  'data-testid': 'side-floor',
                  'data-on': String(has),
                  onclick: () => void signal('side:floor', { classId, userId: id, on: !has }).catch(say),
                },
                `${has ? t('sideTakeBack') : t('sideGive')} ${names().get(id) ?? id}`,
              );
            }),
          )
        : st.open && st.floor.includes(me.id)
          ? h('p', { class: 'ok-text' }, t('sideYouHaveFloor'))
          : '',
    );
    grid.hidden = !st.open;
  };

  const apply = (s: SideState) => {
    if (s.classId !== classId) return;
    st = s;
    if (!s.open) {
      [...watching.keys()].forEach(unwatch);
      stopSpeaking();
    } else {
      for (const p of s.publishers) void watch(p);
      for (const p of [...watching.keys()]) if (!s.publishers.includes(p)) unwatch(p);
    }
    paint();
  };
  socket.on('side:state', apply);
  onLeave(() => {
    socket.off('side:state', apply);
    [...watching.keys()].forEach(unwatch);
    stopSpeaking();
  });
  void signal('side:state', { classId }).then(apply).catch(say);

  return {
    el: h(
      'section',
      { class: 'card side-room' },
      h('h2', {}, t('sideTitle')),
      h('p', { class: 'muted' }, t('sideHint')),
      controls,
      floorBox,
      grid,
      messages,
    ),
    refresh: paint,
  };
}
