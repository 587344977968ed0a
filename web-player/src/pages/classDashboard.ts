/**
 * The co-teacher's dashboard for one class (#/class/:id/dashboard, 同步听课):
 * the live roster (watching now, left, not joined yet; what and for how
 * long), today's attendance per lesson computed from heartbeats, the
 * absentees to phone, a CSV export and the week's attendance chart. Roster
 * changes arrive over socket.io as they happen.
 */
import { call, errorText, session, type ApiUser } from '../api.ts';
import type { AttendanceDay, RosterRow, Viewing } from '../../../contracts/presence.ts';
import type { PresenceUpdate } from '../../../contracts/realtime.ts';
import { h, notice } from '../dom.ts';
import { clock } from '../format.ts';
import { getLang, t } from '../i18n.ts';
import { navigate, onLeave } from '../router.ts';
import { realtime } from '../realtime.ts';

type Att = AttendanceDay['students'][number]['slots'][number];

/** Times in the district's zone (the timetable's), whatever the browser's zone is. */
let zone: string | undefined;
const hm = (ms: number) =>
  new Date(ms).toLocaleTimeString(getLang(), { hour: '2-digit', minute: '2-digit', timeZone: zone });

export async function renderClassDashboard(me: ApiUser, classId: string): Promise<HTMLElement> {
  const [roster, report, week] = await Promise.all([
    call('GET /api/classes/:id/presence', { params: { id: classId } }),
    call('GET /api/classes/:id/attendance', { params: { id: classId } }),
    call('GET /api/classes/:id/attendance/week', { params: { id: classId } }),
  ]);
  const rows = new Map(roster.students.map((s) => [s.id, s]));
  const counts = h('p', { class: 'muted', 'data-testid': 'roster-counts' });
  const tbody = h('tbody', {});
  const kindLabel = (v: Viewing) =>
    ({ vod: t('presVod'), 'live-hls': t('presLiveHls'), webrtc: t('presWebrtc'), channel: t('presChannel') })[
      v.kind
    ];

  const paintRoster = () => {
    const list = [...rows.values()].sort(
      (a, b) =>
        ['watching', 'left', 'not_joined'].indexOf(a.state) -
          ['watching', 'left', 'not_joined'].indexOf(b.state) || a.username.localeCompare(b.username),
    );
    const n = (s: RosterRow['state']) => list.filter((r) => r.state === s).length;
    counts.textContent = t('rosterCounts', {
      watching: n('watching'),
      left: n('left'),
      notJoined: n('not_joined'),
    });
    tbody.replaceChildren(
      ...list.map((r) => {
        const v = r.viewings[0];
        return h(
          'tr',
          { 'data-testid': 'roster-row', 'data-student': r.username, 'data-state': r.state },
          h('td', {}, r.displayName, h('br'), h('span', { class: 'muted' }, r.username)),
          h('td', {}, h('span', { class: `badge pres-${r.state}` }, t(`pres_${r.state}`))),
          h('td', {}, v ? `${kindLabel(v)} · ${v.title ?? v.ref}` : '—'),
          h(
            'td',
            {},
            v
              ? t(`dev_${v.device}` as 'dev_phone') +
                  (r.viewings.length > 1 ? ` +${r.viewings.length - 1}` : '')
              : '',
          ),
          h('td', { 'data-since': v ? String(v.since) : '' }, v ? clock((Date.now() - v.since) / 1000) : ''),
        );
      }),
    );
  };
  paintRoster();
  // "For how long" ticks every second; the whole roster is re-read every 30 s (tabs that timed out).
  const tick = setInterval(() => {
    for (const td of tbody.querySelectorAll<HTMLElement>('td[data-since]'))
      if (td.dataset.since) td.textContent = clock((Date.now() - Number(td.dataset.since)) / 1000);
  }, 1000);
  const refresh = setInterval(() => {
    void call('GET /api/classes/:id/presence', { params: { id: classId } }).then((r) => {
      r.students.forEach((s) => rows.set(s.id, s));
      paintRoster();
    });
  }, 30_000);

  const socket = realtime();
  const subscribe = () => socket.emit('presence:subscribe', { classId });
  subscribe();
  socket.on('connect', subscribe);
  const onUpdate = (u: PresenceUpdate) => {
    if (u.classId !== classId) return;
    const row = rows.get(u.studentId);
    if (!row) return;
    row.viewings = u.viewings;
    row.state = u.viewings.length ? 'watching' : 'left';
    paintRoster();
  };
  socket.on('presence:update', onUpdate);
  onLeave(() => {
    clearInterval(tick);
    clearInterval(refresh);
    socket.off('presence:update', onUpdate);
    socket.off('connect', subscribe);
    socket.emit('presence:unsubscribe', { classId });
  });

  // Today's attendance: one column per lesson. The class's co-teachers mark or correct a cell (TV, ill…).
  const canMark = me.role === 'co_teacher' && !!me.classIds?.includes(classId);
  const cell = (a: Att, studentId?: string, studentName?: string) => {
    const label =
      a.status === 'present'
        ? a.replay
          ? t('attReplay')
          : a.late
            ? t('attLate')
            : t('attPresent')
        : a.status === 'partial'
          ? t('attPartial')
          : a.status === 'absent'
            ? t('attAbsent')
            : '·';
    return h(
      'td',
      {
        class: `att-${a.status}${a.late ? ' att-late' : ''}`,
        title: a.joinedAt ? `${hm(a.joinedAt)} · ${Math.round(a.watchedSec / 60)} min · ${a.percent}%` : '',
      },
      label,
      a.watchedSec ? h('span', { class: 'muted small' }, ` ${a.percent}%`) : '',
      a.source === 'tv' ? h('span', { class: 'badge att-src', title: t('att.src.tv') }, 'TV') : '',
      a.source === 'manual'
        ? h(
            'span',
            { class: 'badge att-src', title: `${a.markedBy ?? ''}${a.note ? `: ${a.note}` : ''}` },
            `✎ ${a.reason ? t(`att.reason.${a.reason}`) : ''}`,
          )
        : '',
      canMark && studentId && a.status !== 'upcoming'
        ? h(
            'button',
            {
              class: 'link small',
              'data-testid': 'att-mark',
              onclick: () => openMark(a, studentId, studentName ?? ''),
            },
            t('att.mark'),
          )
        : '',
    );
  };
  const markDialog = h('dialog', { class: 'card', 'data-testid': 'att-dialog' });
  const openMark = (a: Att, studentId: string, studentName: string) => {
    const slot = report.slots.find((x) => x.slotId === a.slotId)!;
    const status = h(
      'select',
      { 'data-testid': 'att-status' },
      h('option', { value: 'present', selected: a.status !== 'absent' }, t('attPresent')),
      h('option', { value: 'absent', selected: a.status === 'absent' }, t('attAbsent')),
    );
    const reason = h(
      'select',
      { 'data-testid': 'att-reason' },
      (['tv', 'ill', 'no_device', 'leave', 'other'] as const).map((r) =>
        h('option', { value: r, selected: a.reason === r }, t(`att.reason.${r}`)),
      ),
    );
    const note = h('input', { maxlength: 200, 'data-testid': 'att-note', value: a.note ?? '' });
    const msg = h('div', { class: 'status-area' });
    markDialog.replaceChildren(
      h(
        'form',
        {
          class: 'form',
          method: 'dialog',
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            try {
              await call('PUT /api/classes/:id/attendance/marks', {
                params: { id: classId },
                body: {
                  date: report.date,
                  slotId: a.slotId,
                  studentId,
                  status: status.value as 'present' | 'absent',
                  reason: reason.value as 'tv',
                  note: note.value.trim() || undefined,
                },
              });
              markDialog.close();
              // The whole dashboard again: the cell, the absentees and the week all change.
              navigate(location.hash);
            } catch (e) {
              msg.replaceChildren(notice('error', errorText(e)));
            }
          },
        },
        h('h2', {}, `${studentName} · ${hm(slot.start)} ${slot.title}`),
        h('label', {}, t('att.statusLabel'), status),
        h('label', {}, t('att.reasonLabel'), reason),
        h('label', {}, t('att.note'), note),
        msg,
        h(
          'p',
          {},
          h('button', { type: 'submit', 'data-testid': 'att-save' }, t('att.save')),
          ' ',
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => markDialog.close() },
            t('att.cancel'),
          ),
        ),
      ),
    );
    markDialog.showModal();
  };
  zone = report.timeZone;
  // A long day: the lessons so far (the latest 8) and the next one, with a switch to show all of them.
  const now = Date.now();
  const started = report.slots.map((sl, i) => ({ sl, i })).filter(({ sl }) => sl.start <= now);
  const next = report.slots.map((sl, i) => ({ sl, i })).find(({ sl }) => sl.start > now);
  const recent = [...started.slice(-8), ...(next ? [next] : [])].map((x) => x.i);
  let showAll = recent.length === report.slots.length;
  const table = h('div', { class: 'table-wrap' });
  const toggle = h('button', { class: 'link' });
  const paintAttendance = () => {
    const cols = showAll ? report.slots.map((_, i) => i) : recent;
    table.replaceChildren(
      h(
        'table',
        { class: 'table', 'data-testid': 'attendance' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, t('student')),
            ...cols.map((i) => h('th', {}, `${hm(report.slots[i]!.start)} ${report.slots[i]!.title}`)),
          ),
        ),
        h(
          'tbody',
          {},
          report.students.map((s) =>
            h(
              'tr',
              {},
              h('td', {}, s.displayName),
              ...cols.map((i) => cell(s.slots[i]!, s.id, s.displayName)),
            ),
          ),
        ),
      ),
    );
    toggle.textContent = showAll ? t('attRecent') : t('attAll', { n: report.slots.length });
    toggle.hidden = recent.length === report.slots.length;
  };
  toggle.addEventListener('click', () => {
    showAll = !showAll;
    paintAttendance();
  });
  paintAttendance();
  const attendance = report.slots.length
    ? h('div', {}, table, toggle, markDialog)
    : h('p', { class: 'muted' }, t('attNoLessons'));

  const absentees = h(
    'section',
    { class: 'card', 'data-testid': 'absentees' },
    h('h2', {}, t('absenteesTitle')),
    report.absentees.length
      ? h(
          'ul',
          {},
          report.absentees.map((a) =>
            h(
              'li',
              {},
              `${a.displayName}（${a.username}）：`,
              t('absentCount', { n: a.missed.length }),
              ` ${a.missed.slice(-3).join('、')}${a.missed.length > 3 ? '…' : ''}`,
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('absenteesNone')),
  );

  const exportBtn = h(
    'button',
    {
      'data-testid': 'attendance-csv',
      onclick: async () => {
        const res = await fetch(`/api/classes/${classId}/attendance?format=csv&date=${report.date}`, {
          headers: { authorization: `Bearer ${session.token}` },
        });
        if (!res.ok) return void messages.replaceChildren(notice('error', t('exportFailed')));
        const url = URL.createObjectURL(await res.blob());
        const a = h('a', { href: url, download: `attendance-${report.date}.csv` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      },
    },
    t('exportAttendance'),
  );
  const messages = h('div', { 'aria-live': 'polite' });

  // The week: share of lesson places attended, per day.
  const chart = h(
    'div',
    { class: 'week-chart', 'data-testid': 'week-chart' },
    week.days.map((d) =>
      h(
        'div',
        { class: 'bar-col', title: d.percent === null ? t('attNoLessons') : `${d.percent}%` },
        h('div', { class: 'bar-track' }, h('div', { class: 'bar', style: `height:${d.percent ?? 0}%` })),
        h('span', { class: 'muted small' }, d.percent === null ? '—' : `${d.percent}%`),
        h('span', { class: 'small' }, d.date.slice(5)),
      ),
    ),
  );

  return h(
    'div',
    {},
    h('p', {}, h('a', { href: `#/class/${classId}` }, `← ${roster.className}`)),
    h('h1', {}, `${roster.className} · ${t('dashboardTitle')}`),
    h('p', { class: 'muted' }, t('dashboardHint')),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('rosterTitle')),
      counts,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'roster' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, t('student')),
              h('th', {}, t('rosterState')),
              h('th', {}, t('rosterWhat')),
              h('th', {}, t('rosterDevice')),
              h('th', {}, t('rosterFor')),
            ),
          ),
          tbody,
        ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, `${t('attTitle')} ${report.date}`),
      attendance,
      h('p', {}, exportBtn),
      messages,
    ),
    absentees,
    h('section', { class: 'card' }, h('h2', {}, t('weekTitle')), chart),
    termSection(classId, report.date),
  );
}

/** The term per student: a bar each (share of lessons attended), and the CSV. */
function termSection(classId: string, today: string): HTMLElement {
  const back = new Date(Date.parse(`${today}T12:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
  const from = h('input', { type: 'date', value: back, 'data-testid': 'term-from' });
  const to = h('input', { type: 'date', value: today, 'data-testid': 'term-to' });
  const out = h('div', { 'data-testid': 'term-chart' });
  const show = async () => {
    out.replaceChildren(h('p', { class: 'muted' }, t('loading')));
    try {
      const term = await call('GET /api/classes/:id/attendance/term', {
        params: { id: classId },
        query: { from: from.value, to: to.value },
      });
      if (!term.students.length)
        return void out.replaceChildren(h('p', { class: 'empty' }, t('attNoLessons')));
      out.replaceChildren(
        ...term.students.map((st) =>
          h(
            'div',
            { class: 'term-row', title: `${st.present}/${st.lessons}` },
            h('span', { class: 'term-name' }, st.displayName),
            h(
              'span',
              { class: 'term-track' },
              h('span', { class: 'term-bar', style: `width:${st.percent ?? 0}%` }),
            ),
            h(
              'span',
              { class: 'small' },
              `${st.percent ?? '—'}% · ${t('term.detail', { present: st.present, lessons: st.lessons, tv: st.viaTv, marked: st.marked })}`,
            ),
          ),
        ),
      );
    } catch (e) {
      out.replaceChildren(notice('error', errorText(e)));
    }
  };
  const csv = h('button', { class: 'secondary', 'data-testid': 'term-csv' }, t('term.csv'));
  csv.addEventListener('click', async () => {
    const res = await fetch(
      `/api/classes/${classId}/attendance/term?format=csv&from=${from.value}&to=${to.value}`,
      { headers: { authorization: `Bearer ${session.token}` } },
    );
    if (!res.ok) return void out.replaceChildren(notice('error', t('exportFailed')));
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: `attendance-${from.value}-${to.value}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  const go = h('button', { 'data-testid': 'term-show' }, t('term.show'));
  go.addEventListener('click', () => void show());
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, t('term.title')),
    h('p', { class: 'row' }, from, ' – ', to, ' ', go, ' ', csv),
    out,
  );
}
