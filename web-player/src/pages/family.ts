/**
 * The parent's pages: #/family (each child's day with attendance, a TV
 * check-in for the child, homework with the teacher's feedback, the notices
 * to read and acknowledge, linking another child) and #/join (signing up
 * with the class teacher's invitation code).
 */
import { call, errorText, session, type ApiUser, type ResponseOf } from '../api.ts';
import { h, notice } from '../dom.ts';
import { dateTime } from '../format.ts';
import { t, type MessageKey } from '../i18n.ts';
import { navigate } from '../router.ts';
import { markView, stateBadge } from './homework.ts';
import { checkInForm } from '../checkInForm.ts';

type Child = ResponseOf<'GET /api/family/children'>['children'][number];
type Day = ResponseOf<'GET /api/family/children/:id/day'>;
type MyNotice = ResponseOf<'GET /api/notices/mine'>['notices'][number];

const hhmm = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    ms,
  );

function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function attendanceBadge(a: Day['slots'][number]['attendance']): HTMLElement {
  const text: Record<string, string> = {
    present: t('attPresent'),
    partial: t('fam.partial'),
    absent: t('attAbsent'),
    upcoming: t('fam.upcoming'),
  };
  const via =
    a.source === 'tv' ? ` · ${t('fam.viaTv')}` : a.source === 'manual' ? ` · ${t('fam.marked')}` : '';
  return h(
    'span',
    { class: `badge att-${a.status}`, 'data-testid': 'fam-att', 'data-status': a.status },
    `${text[a.status]}${via}`,
  );
}

/** One child's lessons of a day, with a day switcher. */
function dayCard(child: Child, first: Day): HTMLElement {
  const box = h('div', { 'data-testid': 'fam-day' });
  const show = (d: Day) => {
    box.replaceChildren(
      h(
        'div',
        { class: 'day-nav' },
        h(
          'button',
          { class: 'secondary', onclick: () => void load(shiftDate(d.date, -1)) },
          `◀ ${t('fam.prevDay')}`,
        ),
        h('strong', {}, d.date),
        h(
          'button',
          { class: 'secondary', onclick: () => void load(shiftDate(d.date, 1)) },
          `${t('fam.nextDay')} ▶`,
        ),
      ),
      d.slots.length === 0
        ? h('p', { class: 'empty' }, t('fam.noLessons'))
        : h(
            'ul',
            { class: 'fam-slots' },
            d.slots.map((s) =>
              h(
                'li',
                {},
                h('span', { class: 'muted' }, `${hhmm(s.start, d.timeZone)}–${hhmm(s.end, d.timeZone)} `),
                h('span', {}, s.title, ' '),
                attendanceBadge(s.attendance),
              ),
            ),
          ),
    );
  };
  const load = async (date: string) => {
    try {
      show(await call('GET /api/family/children/:id/day', { params: { id: child.id }, query: { date } }));
    } catch (e) {
      box.replaceChildren(notice('error', errorText(e)));
    }
  };
  show(first);
  return box;
}

function homeworkList(items: ResponseOf<'GET /api/family/children/:id/homework'>['items']): HTMLElement {
  if (items.length === 0) return h('p', { class: 'empty' }, t('fam.noHomework'));
  return h(
    'div',
    { 'data-testid': 'fam-homework' },
    items.map((it) =>
      h(
        'div',
        { class: 'hw-card', 'data-testid': 'fam-hw-item' },
        h(
          'div',
          { class: 'hw-card-head' },
          h('strong', {}, `${it.assignment.subject} · ${it.assignment.title}`),
          stateBadge(it.state),
        ),
        h(
          'p',
          { class: 'hint' },
          t('hw.dueAt', { time: dateTime(it.assignment.dueAt) }),
          ' · ',
          t('hw.minutes', { n: it.assignment.expectedMinutes }),
        ),
        it.submission ? markView(it.submission) : '',
      ),
    ),
  );
}

function checkInFor(child: Child): HTMLElement {
  return checkInForm({
    send: (code) =>
      call('POST /api/family/children/:id/check-in', { params: { id: child.id }, body: { code } }),
    hint: t('fam.checkinFor', { name: child.displayName }),
    testId: 'fam-checkin',
  });
}

function noticeItem(n: MyNotice): HTMLElement {
  const ackArea = h('div', {});
  const showAck = (at: string) =>
    ackArea.replaceChildren(
      h('span', { class: 'hint', 'data-testid': 'notice-acked' }, t('notice.acked', { time: dateTime(at) })),
    );
  if (n.acknowledgedAt) showAck(n.acknowledgedAt);
  else
    ackArea.replaceChildren(
      h(
        'button',
        {
          'data-testid': 'notice-ack',
          onclick: async () => {
            try {
              showAck((await call('POST /api/notices/:id/ack', { params: { id: n.id } })).acknowledgedAt);
            } catch (e) {
              ackArea.append(notice('error', errorText(e)));
            }
          },
        },
        t('notice.ack'),
      ),
    );
  return h(
    'li',
    {
      class: `notice-item${n.acknowledgedAt ? '' : ' unread'}`,
      'data-testid': 'notice',
      'data-kind': n.kind,
    },
    h(
      'p',
      {},
      h('span', { class: `badge notice-${n.kind}` }, t(`notice.${n.kind}` as MessageKey)),
      ' ',
      h('strong', {}, n.title),
    ),
    h('p', { class: 'notice-body' }, n.body),
    h('p', { class: 'hint' }, `${n.className} · ${n.authorName} · ${dateTime(n.createdAt)}`),
    ackArea,
  );
}

function linkChildForm(): HTMLElement {
  const code = h('input', {
    required: true,
    autocomplete: 'off',
    autocapitalize: 'characters',
    placeholder: 'K7QD-3MPX',
    'data-testid': 'fam-link-code',
  });
  const status = h('div', { class: 'status-area' });
  return h(
    'form',
    {
      class: 'card form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          const { child } = await call('POST /api/family/children', { body: { code: code.value } });
          status.replaceChildren(notice('ok', t('fam.added', { name: child.displayName })));
          setTimeout(() => navigate('#/family'), 800);
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
        }
      },
    },
    h('h2', {}, t('fam.addChild')),
    h('p', { class: 'muted' }, t('fam.addHint')),
    h('p', {}, code, ' ', h('button', { type: 'submit' }, t('fam.add'))),
    status,
  );
}

export async function renderFamily(me: ApiUser): Promise<HTMLElement> {
  const [{ children }, mine] = await Promise.all([
    call('GET /api/family/children'),
    call('GET /api/notices/mine'),
  ]);
  const page = h(
    'div',
    { 'data-testid': 'family' },
    h(
      'section',
      { class: 'hero', 'data-testid': 'home-parent' },
      h('h1', {}, t('welcome', { name: me.displayName })),
    ),
  );
  page.append(
    h(
      'section',
      { class: 'card', 'data-testid': 'notices' },
      h(
        'h2',
        {},
        t('notice.title'),
        mine.unread ? h('span', { class: 'badge unread-count' }, t('notice.unread', { n: mine.unread })) : '',
      ),
      mine.notices.length === 0
        ? h('p', { class: 'empty' }, t('notice.none'))
        : h('ul', { class: 'notice-list' }, mine.notices.map(noticeItem)),
    ),
  );
  if (children.length === 0) page.append(h('p', { class: 'empty' }, t('fam.none')));
  for (const child of children) {
    const [day, hw] = await Promise.all([
      call('GET /api/family/children/:id/day', { params: { id: child.id }, query: {} }),
      call('GET /api/family/children/:id/homework', { params: { id: child.id } }),
    ]);
    page.append(
      h(
        'section',
        { class: 'card fam-child', 'data-testid': 'fam-child', 'data-child-id': child.id },
        h(
          'h2',
          {},
          child.displayName,
          ' ',
          h('span', { class: 'muted' }, [child.schoolName, child.className].filter(Boolean).join(' · ')),
        ),
        h(
          'h3',
          {},
          t('fam.today'),
          ' ',
          h(
            'a',
            { class: 'small', href: `#/family/${child.id}/week`, 'data-testid': 'fam-week' },
            t('week.link'),
          ),
        ),
        dayCard(child, day),
        checkInFor(child),
        h('h3', {}, t('fam.homework')),
        homeworkList(hw.items),
      ),
    );
  }
  page.append(linkChildForm());
  return page;
}

// ---- #/join: sign up with an invitation code

export function renderJoin(onDone: () => void): HTMLElement {
  const field = (attrs: Record<string, string | boolean | number>) =>
    h('input', { required: true, ...attrs });
  const code = field({
    autocapitalize: 'characters',
    placeholder: 'K7QD-3MPX',
    autocomplete: 'off',
    'data-testid': 'join-code',
  });
  const name = field({ maxlength: 40, 'data-testid': 'join-name' });
  const username = field({
    autocapitalize: 'none',
    autocomplete: 'username',
    'data-testid': 'join-username',
  });
  const password = field({
    type: 'password',
    minlength: 8,
    autocomplete: 'new-password',
    'data-testid': 'join-password',
  });
  const phone = h('input', { type: 'tel', autocomplete: 'tel', 'data-testid': 'join-phone' });
  const status = h('div', { class: 'status-area' });
  const button = h(
    'button',
    { type: 'submit', class: 'primary', 'data-testid': 'join-submit' },
    t('join.submit'),
  );
  const fromLink = new URLSearchParams(location.hash.split('?')[1] ?? '').get('code');
  if (fromLink) code.value = fromLink;
  const form = h(
    'form',
    {
      class: 'card login form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        button.disabled = true;
        try {
          const { child } = await call('POST /api/family/sign-up', {
            body: {
              code: code.value,
              displayName: name.value,
              username: username.value,
              password: password.value,
              ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
            },
          });
          status.replaceChildren(notice('ok', t('join.done', { name: child.displayName })));
          const res = await call('POST /api/auth/login', {
            body: { username: username.value, password: password.value },
          });
          session.set(res.token);
          onDone();
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
          button.disabled = false;
        }
      },
    },
    h('h1', {}, t('join.title')),
    h('p', { class: 'muted' }, t('join.hint')),
    h('label', {}, t('join.code'), code),
    h('label', {}, t('join.name'), name),
    h('label', {}, t('username'), username),
    h('label', {}, t('password'), password),
    h('label', {}, t('parents.phone'), phone),
    status,
    button,
    h('p', {}, h('a', { href: '#/login' }, t('signIn'))),
  );
  return h('main', { class: 'page narrow', 'data-testid': 'join' }, form);
}
