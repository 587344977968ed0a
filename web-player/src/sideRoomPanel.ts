/**
 * The side room panel on the class room page (小班语音视频): the co-teacher
 * opens and closes it, speaks, and gives or takes back the floor; everyone
 * in the class watches whoever speaks; a student with the floor can speak.
 * Media goes through mediasoup (sfuClient.ts); the room's state through the
 * server (side:* events), never to the SFU.
 */
import type { ApiUser } from './api.ts';
import { h, notice } from './dom.ts';
import { t } from './i18n.ts';
import { signal, SignalError } from './liveApi.ts';
import { SfuSession, type SfuProducer } from './sfuClient.ts';
import type { types } from 'mediasoup-client';

type Producer = types.Producer;
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
  /** One tile per person speaking (their microphone and camera), by user id. */
  const tiles = new Map<string, { tile: HTMLElement; stream: MediaStream; producers: Set<string> }>();
  let session: SfuSession | null = null;
  let joining: Promise<SfuSession> | null = null;
  let mine: { stream: MediaStream; producers: Producer[] } | null = null;
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

  const watch = async (s: SfuSession, p: SfuProducer) => {
    if (p.userId === me.id || session !== s) return;
    let t = tiles.get(p.userId);
    if (!t) {
      const stream = new MediaStream();
      const video = h('video', { autoplay: true, playsinline: true, 'data-publisher': p.userId });
      video.srcObject = stream;
      const meter = h('span', { class: 'side-level' });
      t = {
        tile: h(
          'figure',
          { class: 'side-tile', 'data-user': p.userId },
          video,
          h('figcaption', {}, meter, names().get(p.userId) ?? ''),
        ),
        stream,
        producers: new Set(),
      };
      tiles.set(p.userId, t);
      grid.append(t.tile);
    }
    const w = await s.watch(p.id);
    t.producers.add(p.id);
    t.stream.addTrack(w.track);
  };
  const unwatch = (producerId: string) => {
    for (const [userId, t] of tiles) {
      if (!t.producers.delete(producerId)) continue;
      if (t.producers.size === 0) {
        t.tile.remove();
        tiles.delete(userId);
      }
    }
  };
  const join = (): Promise<SfuSession> =>
    (joining ??= (async () => {
      const s = await SfuSession.join({ kind: 'side', classId });
      session = s;
      s.onProducer((p) => void watch(s, p).catch(say));
      s.onProducerClosed(unwatch);
      // Who speaks is outlined; a small meter shows how loud each one is.
      s.onSpeaker((userId) => {
        for (const [id, t] of tiles) t.tile.classList.toggle('speaking', id === userId);
      });
      s.onLevels((levels) => {
        for (const [id, t] of tiles) {
          const v = levels.find((l) => l.userId === id)?.volume ?? -127;
          const pct = Math.max(0, Math.min(100, Math.round(((v + 70) / 70) * 100)));
          t.tile.dataset.level = String(pct);
          (t.tile.querySelector('.side-level') as HTMLElement).style.setProperty('--level', `${pct}%`);
        }
      });
      s.onReset(() => {
        if (session !== s) return;
        leaveRoom();
        if (st.open) void join().catch(say);
      });
      for (const p of s.producers) await watch(s, p).catch(say);
      return s;
    })());
  const leaveRoom = () => {
    mine?.stream.getTracks().forEach((tr) => tr.stop());
    mine = null;
    void session?.close();
    session = null;
    joining = null;
    for (const t of tiles.values()) t.tile.remove();
    tiles.clear();
  };

  const speak = async () => {
    try {
      const s = await join();
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: true,
        video: { width: 640, height: 360 },
      });
      mine = { stream, producers: [] };
      mine.producers.push(await s.publish(stream.getAudioTracks()[0]!, 'mic'));
      mine.producers.push(await s.publish(stream.getVideoTracks()[0]!, 'camera'));
      paint();
    } catch (e) {
      mine?.stream.getTracks().forEach((tr) => tr.stop());
      mine = null;
      say(e);
    }
  };
  const stopSpeaking = () => {
    if (!mine) return;
    const m = mine;
    mine = null;
    m.stream.getTracks().forEach((tr) => tr.stop());
    for (const p of m.producers) void session?.unpublish(p);
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
    if (!s.open) leaveRoom();
    else void join().catch(say);
    paint();
  };
  socket.on('side:state', apply);
  onLeave(() => {
    socket.off('side:state', apply);
    leaveRoom();
  });
  void signal('side:state', { classId }).then(apply).catch(say);

  return {
    el: h(
      'section',
      { class: 'card side-room' },
      h('h2', {}, t('sideTitle')),
      h(
        'p',
        { class: 'muted', 'data-testid': 'side-hint' },
        me.role === 'district_admin' ? t('sideObserverHint') : t('sideHint'),
      ),
      controls,
      floorBox,
      grid,
      messages,
    ),
    refresh: paint,
  };
}
