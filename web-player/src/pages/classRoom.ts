/**
 * The class room (#/class/:id/room, 班级讨论区): the class's own chat and
 * questions. Students chat, ask the co-teacher and raise their hand; the
 * co-teacher answers, pins, deletes and mutes. Links and ads are refused
 * with the server's notice. Older messages load on demand.
 */
import { call, type ApiUser } from '../api.ts';
import type { RoomMessage } from '../../../contracts/presence.ts';
import type { PayloadOf, SocketError } from '../../../contracts/realtime.ts';
import { h, notice } from '../dom.ts';
import { getLang, t } from '../i18n.ts';
import { onLeave } from '../router.ts';
import { ask, realtime } from '../realtime.ts';
import { sideRoomPanel } from '../sideRoomPanel.ts';

type Msg = RoomMessage;
type RoomEvent =
  'room:join' | 'room:send' | 'room:hand' | 'room:answer' | 'room:pin' | 'room:delete' | 'room:mute';

export async function renderClassRoom(me: ApiUser, classId: string): Promise<HTMLElement> {
  const { class: cls } = await call('GET /api/classes/:id', { params: { id: classId } });
  const socket = realtime();
  /** A class room event for this class; resolves to the server's reply (the result or an error). */
  const roomCall = <E extends RoomEvent>(ev: E, body: Omit<PayloadOf<E>, 'classId'>) =>
    ask(ev, { classId, ...body } as PayloadOf<E>);
  const msgs = new Map<number, Msg>();
  let more = false;
  let hands: Record<string, number> = {};
  const staff = me.role === 'co_teacher';
  const list = h('ol', { class: 'room-list', 'data-testid': 'room-messages' });
  const pinnedBox = h('div', { class: 'room-pinned', 'data-testid': 'room-pinned' });
  const handsBox = h('p', { class: 'muted', 'data-testid': 'room-hands' });
  const messages = h('div', { 'aria-live': 'polite' });
  const olderBtn = h('button', { class: 'link', onclick: () => void loadOlder() }, t('roomOlder'));
  const errText = (r: SocketError) =>
    (getLang() === 'zh-CN' ? (r.error?.messageZh ?? r.error?.message) : r.error?.message) ?? '';
  const time = (ms: number) =>
    new Date(ms).toLocaleTimeString(getLang(), { hour: '2-digit', minute: '2-digit' });

  const row = (m: Msg) => {
    const actions =
      staff && !m.deleted
        ? [
            m.kind === 'question' && !m.answeredBy
              ? h('button', { class: 'small', onclick: () => void answer(m) }, t('roomAnswer'))
              : '',
            h(
              'button',
              {
                class: 'small',
                onclick: () => void roomCall('room:pin', { messageId: m.id, pinned: !m.pinned }),
              },
              m.pinned ? t('roomUnpin') : t('roomPin'),
            ),
            h(
              'button',
              { class: 'small danger', onclick: () => void roomCall('room:delete', { messageId: m.id }) },
              t('roomDelete'),
            ),
            m.role === 'student'
              ? h('button', { class: 'small', onclick: () => void mute(m) }, t('roomMute'))
              : '',
          ]
        : [];
    return h(
      'li',
      {
        class: `room-msg kind-${m.kind}${m.role === 'co_teacher' ? ' from-teacher' : ''}`,
        'data-id': String(m.id),
      },
      h(
        'div',
        { class: 'room-meta muted small' },
        `${m.name} · ${time(m.at)}`,
        m.kind === 'question'
          ? h('span', { class: 'badge' }, m.answeredBy ? t('roomAnswered') : t('roomQuestion'))
          : '',
        m.kind === 'answer' ? h('span', { class: 'badge' }, t('roomAnswerBadge')) : '',
        m.pinned ? h('span', { class: 'badge' }, '📌') : '',
      ),
      h('div', { class: 'room-text' }, m.deleted ? h('em', { class: 'muted' }, t('roomDeleted')) : m.text),
      actions.length ? h('div', { class: 'room-actions' }, ...actions) : '',
    );
  };
  const paint = () => {
    const sorted = [...msgs.values()].sort((a, b) => a.id - b.id);
    list.replaceChildren(
      ...(sorted.length ? sorted.map(row) : [h('li', { class: 'muted' }, t('roomEmpty'))]),
    );
    const pins = sorted.filter((m) => m.pinned && !m.deleted);
    pinnedBox.replaceChildren(...pins.map((m) => h('p', {}, '📌 ', h('strong', {}, m.name), `：${m.text}`)));
    const n = Object.keys(hands).length;
    handsBox.textContent = n ? t('roomHands', { n }) : '';
    olderBtn.hidden = !more;
    list.scrollTop = list.scrollHeight;
  };

  const joined = await roomCall('room:join', {});
  if ('error' in joined) throw new Error(errText(joined));
  for (const m of [...joined.messages, ...joined.pinned]) msgs.set(m.id, m);
  more = joined.more;
  hands = joined.hands;
  const readOnly = joined.readOnly;
  // Supervisors (督导) reading the room: the class sees who.
  const observersBox = h('p', { class: 'notice info', 'data-testid': 'room-observers', hidden: true });
  const showObservers = (names: string[]) => {
    observersBox.hidden = names.length === 0;
    observersBox.textContent = t('roomObservers', { names: names.join('、') });
  };
  showObservers(joined.observers);
  const onObservers = (e: { classId: string; observers: string[] }) => {
    if (e.classId === classId) showObservers(e.observers);
  };
  socket.on('room:observers', onObservers);
  onLeave(() => socket.off('room:observers', onObservers));

  const loadOlder = async () => {
    const first = Math.min(...msgs.keys());
    const page = await call('GET /api/classes/:id/room/messages', {
      params: { id: classId },
      query: { before: String(first) },
    });
    page.messages.forEach((m) => msgs.set(m.id, m));
    more = page.more;
    paint();
  };
  const answer = async (q: Msg) => {
    const text = prompt(t('roomAnswerPrompt', { q: q.text }));
    if (!text) return;
    const r = await roomCall('room:answer', { questionId: q.id, text });
    if ('error' in r) messages.replaceChildren(notice('error', errText(r)));
  };
  const mute = async (m: Msg) => {
    const r = await roomCall('room:mute', { userId: m.userId, minutes: 5 });
    messages.replaceChildren(
      'error' in r ? notice('error', errText(r)) : notice('ok', t('roomMuted', { name: m.name })),
    );
  };

  const onMessage = (m: Msg) => {
    if (m.classId !== classId) return;
    msgs.set(m.id, m);
    paint();
  };
  const onHands = (e: { classId: string; hands: Record<string, number> }) => {
    if (e.classId !== classId) return;
    hands = e.hands;
    paint();
  };
  const onMuted = (e: { classId: string; userId: string; until: number | null }) => {
    if (e.classId === classId && e.userId === me.id && e.until)
      messages.replaceChildren(notice('info', t('roomYouAreMuted', { at: time(e.until) })));
  };
  socket.on('room:message', onMessage);
  socket.on('room:hands', onHands);
  socket.on('room:muted', onMuted);
  onLeave(() => {
    socket.off('room:message', onMessage);
    socket.off('room:hands', onHands);
    socket.off('room:muted', onMuted);
  });

  const input = h('textarea', {
    rows: 2,
    maxlength: 500,
    placeholder: t('roomPlaceholder'),
    'data-testid': 'room-input',
  });
  const asQuestion = h('input', { type: 'checkbox', 'data-testid': 'room-question' });
  const send = async () => {
    const text = input.value.trim();
    if (!text) return;
    const r = await roomCall('room:send', { text, kind: asQuestion.checked ? 'question' : 'chat' });
    if ('error' in r) messages.replaceChildren(notice('error', errText(r)));
    else {
      input.value = '';
      asQuestion.checked = false;
      messages.replaceChildren();
    }
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  });
  let handUp = !!hands[me.id];
  const handBtn = h(
    'button',
    {
      'data-testid': 'room-hand',
      onclick: async () => {
        handUp = !handUp;
        await roomCall('room:hand', { up: handUp });
        handBtn.textContent = handUp ? t('roomHandDown') : t('roomHandUp');
      },
    },
    handUp ? t('roomHandDown') : t('roomHandUp'),
  );
  // Names for the side room (students' hands, speakers): the class list for teachers, the messages' authors for everyone.
  const names = new Map<string, string>([[me.id, me.displayName]]);
  if (me.role === 'co_teacher' || me.role === 'district_admin') {
    void call('GET /api/classes/:id/students', { params: { id: classId } })
      .then((r) => r.students.forEach((s) => names.set(s.id, s.displayName)))
      .catch(() => undefined);
    void call('GET /api/classes/:id', { params: { id: classId } })
      .then((r) => r.teachers.forEach((x) => names.set(x.id, x.displayName)))
      .catch(() => undefined);
  }
  const side = sideRoomPanel(
    me,
    classId,
    () => {
      for (const m of msgs.values()) names.set(m.userId, m.name);
      return names;
    },
    () => Object.keys(hands),
    onLeave,
  );
  socket.on('room:hands', side.refresh);
  onLeave(() => socket.off('room:hands', side.refresh));
  paint();

  return h(
    'div',
    {},
    h('p', {}, h('a', { href: `#/class/${classId}` }, `← ${cls.name}`)),
    h('h1', {}, `${cls.name} · ${t('roomTitle')}`),
    h('p', { class: 'muted' }, t('roomHint')),
    observersBox,
    pinnedBox,
    handsBox,
    side.el,
    h('section', { class: 'card room' }, olderBtn, list),
    messages,
    readOnly
      ? h('p', { class: 'muted', 'data-testid': 'room-readonly' }, t('roomReadOnly'))
      : h(
          'div',
          { class: 'room-compose' },
          input,
          h(
            'div',
            { class: 'row' },
            me.role === 'student' ? h('label', {}, asQuestion, ` ${t('roomAsQuestion')}`) : '',
            me.role === 'student' ? handBtn : '',
            h(
              'button',
              { class: 'primary', 'data-testid': 'room-send', onclick: () => void send() },
              t('roomSend'),
            ),
          ),
        ),
  );
}
