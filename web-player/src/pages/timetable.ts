/**
 * The unified timetable (#/timetable): a grade's week; district admins edit a
 * day (every save is checked by the rule engine on the server, and the
 * violations are shown on the rows), import CSV/JSON and export.
 */
import { call, ApiError, session, type ApiUser } from '../api.ts';
import type { Slot, Violation } from '../../../contracts/timetable.ts';
import { h, notice } from '../dom.ts';
import { getLang, t } from '../i18n.ts';
import { lessonsApi, type LessonView } from '../lessonsApi.ts';
import { errorText } from '../api.ts';
import { navigate } from '../router.ts';

type SlotView = Slot;
type ViolationView = Violation;

const mondayOf = (d: Date) => {
  const x = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  x.setUTCDate(x.getUTCDate() - ((x.getUTCDay() + 6) % 7));
  return x.toISOString().slice(0, 10);
};
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400_000).toISOString().slice(0, 10);
const msg = (v: ViolationView) => (getLang() === 'zh-CN' ? v.message['zh-CN'] : v.message.en);

export async function renderTimetable(me: ApiUser, query: URLSearchParams): Promise<HTMLElement> {
  const info = await call('GET /api/district');
  const grade = Number(query.get('grade') ?? me.grades?.[0] ?? 3);
  const week = query.get('week') ?? mondayOf(new Date());
  const { slots } = await call('GET /api/timetable', {
    query: { from: week, days: '7', grade: String(grade) },
  });
  const canEdit = me.role === 'district_admin';
  const lessons: LessonView[] = canEdit
    ? (await lessonsApi.list({ grade: String(grade) })).lessons.filter(
        (l) => l.status === 'ready' && l.review === 'approved',
      )
    : [];
  const go = (g: number, w: string) => navigate(`#/timetable?grade=${g}&week=${w}`);
  const status = h('div', { 'aria-live': 'polite', 'data-testid': 'tt-status' });

  const editor = (date: string, daySlots: SlotView[]) => {
    const rows = h('tbody');
    const addRow = (s?: Partial<SlotView>) => {
      const kind = h(
        'select',
        { 'data-f': 'kind' },
        h('option', { value: 'live', selected: s?.source?.kind !== 'recorded' }, t('kindLive')),
        h('option', { value: 'recorded', selected: s?.source?.kind === 'recorded' }, t('kindRecorded')),
      );
      const lesson = h(
        'select',
        { 'data-f': 'lesson' },
        h('option', { value: '' }, '—'),
        lessons.map((l) =>
          h(
            'option',
            { value: l.id, selected: s?.source?.kind === 'recorded' && l.id === s.source.lessonId },
            `${l.title} (${Math.round((l.durationSec ?? 0) / 60)}′)`,
          ),
        ),
      );
      // A live slot may name a recorded lesson the channel plays if the live lesson does not start or stops.
      const backup = h(
        'select',
        { 'data-f': 'backup', 'aria-label': t('backupLesson'), title: t('backupHint') },
        h('option', { value: '' }, t('noBackup')),
        lessons.map((l) =>
          h(
            'option',
            { value: l.id, selected: s?.source?.kind === 'live' && l.id === s.source.backupLessonId },
            l.title,
          ),
        ),
      );
      const showBackup = () => (backup.hidden = (kind as HTMLSelectElement).value !== 'live');
      kind.addEventListener('change', showBackup);
      showBackup();
      const tr = h(
        'tr',
        { 'data-testid': 'tt-row' },
        h(
          'td',
          {},
          h('input', { 'data-f': 'start', value: s?.start ?? '08:00', size: 5, 'aria-label': t('start') }),
        ),
        h(
          'td',
          {},
          h('input', { 'data-f': 'end', value: s?.end ?? '08:20', size: 5, 'aria-label': t('end') }),
        ),
        h(
          'td',
          {},
          h('input', {
            'data-f': 'subject',
            value: s?.subject ?? me.subjects?.[0] ?? '数学',
            size: 6,
            'aria-label': t('subject'),
          }),
        ),
        h('td', {}, kind),
        h('td', {}, lesson, backup),
        h('td', {}, h('input', { 'data-f': 'title', value: s?.title ?? '', 'aria-label': t('lessonTitle') })),
        h(
          'td',
          {},
          h('input', {
            'data-f': 'override',
            value: s?.override?.reason ?? '',
            placeholder: t('overrideReason'),
            'aria-label': t('overrideReason'),
          }),
        ),
        h(
          'td',
          {},
          h('button', { class: 'small link danger', type: 'button', onclick: () => tr.remove() }, '✕'),
        ),
      );
      rows.append(tr, h('tr', { class: 'violations' }, h('td', { colspan: 8 })));
    };
    daySlots.forEach((s) => addRow(s));
    const form = h(
      'form',
      {
        class: 'card tt-editor',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          const trs = [...rows.querySelectorAll('tr[data-testid=tt-row]')] as HTMLElement[];
          const val = (tr: HTMLElement, f: string) =>
            (tr.querySelector(`[data-f=${f}]`) as HTMLInputElement).value.trim();
          const body = trs.map((tr) => ({
            start: val(tr, 'start'),
            end: val(tr, 'end'),
            subject: val(tr, 'subject'),
            kind: val(tr, 'kind'),
            lesson: val(tr, 'lesson'),
            backup: val(tr, 'kind') === 'live' ? val(tr, 'backup') : '',
            title: val(tr, 'title'),
            override: val(tr, 'override'),
          }));
          rows.querySelectorAll('tr.violations td').forEach((td) => td.replaceChildren());
          try {
            await call('PUT /api/timetable/:grade/:date', {
              params: { grade: String(grade), date },
              body: { slots: body },
            });
            go(grade, week);
          } catch (err) {
            if (
              err instanceof ApiError &&
              (err.details as { violations?: ViolationView[] } | undefined)?.violations
            ) {
              const vs = (err.details as { violations: ViolationView[] }).violations;
              status.replaceChildren(notice('error', t('ttRejected', { n: vs.length })));
              // Show each violation under its row (rows are in the order sent; the server names the slot).
              vs.forEach((v) => {
                const i = body.findIndex((b) => v.slot.includes(`${b.start}–${b.end}`));
                const td = rows.querySelectorAll('tr.violations td')[i >= 0 ? i : 0];
                td?.append(h('p', { class: 'notice error', 'data-testid': 'tt-violation' }, `${msg(v)}`));
              });
            } else status.replaceChildren(notice('error', errorText(err)));
          }
        },
      },
      h('h3', {}, `${t('editDay')} ${date}`),
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'roster' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                t('start'),
                t('end'),
                t('subject'),
                t('kind'),
                `${t('recordedLesson')} / ${t('backupLesson')}`,
                t('lessonTitle'),
                t('overrideReason'),
                '',
              ].map((x) => h('th', {}, x)),
            ),
          ),
          rows,
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => addRow() }, t('addSlot')),
        h('button', { class: 'primary', type: 'submit', 'data-testid': 'tt-save' }, t('saveDay')),
      ),
    );
    return form;
  };

  const dayCols = Array.from({ length: 7 }, (_, i) => addDays(week, i)).map((date) => {
    const daySlots = slots.filter((s) => s.date === date).sort((a, b) => a.start.localeCompare(b.start));
    const col = h(
      'section',
      { class: 'card tt-day', 'data-date': date },
      h(
        'h3',
        {},
        new Date(`${date}T12:00:00Z`).toLocaleDateString(getLang(), {
          weekday: 'short',
          month: 'numeric',
          day: 'numeric',
        }),
      ),
      daySlots.length === 0
        ? h('p', { class: 'hint' }, t('noSlots'))
        : h(
            'ul',
            { class: 'tt-slots' },
            daySlots.map((s) =>
              h(
                'li',
                { 'data-testid': 'tt-slot' },
                h('strong', {}, `${s.start}–${s.end}`),
                ' ',
                s.title ? `${s.subject}：${s.title}` : s.subject,
                ' ',
                h(
                  'span',
                  { class: `badge ${s.source.kind === 'live' ? 'live-live' : ''}` },
                  s.source.kind === 'live' ? t('kindLive') : t('kindRecorded'),
                ),
                s.source.kind === 'live' && s.source.backupLessonId
                  ? h(
                      'span',
                      { class: 'hint', 'data-testid': 'tt-backup' },
                      ' ',
                      t('backupPlanned', {
                        title:
                          lessons.find(
                            (l) => l.id === (s.source as { backupLessonId: string }).backupLessonId,
                          )?.title ?? '',
                      }),
                    )
                  : '',
                s.override &&
                  h('span', { class: 'badge review-pending', title: s.override.reason }, t('overridden')),
              ),
            ),
          ),
      canEdit &&
        h(
          'button',
          {
            class: 'small',
            'data-testid': 'tt-edit',
            onclick: () => col.replaceWith(editor(date, daySlots)),
          },
          t('editDay'),
        ),
    );
    return col;
  });

  const importInput = h('input', {
    type: 'file',
    accept: '.csv,.json,text/csv,application/json',
    'data-testid': 'tt-import',
  });
  importInput.addEventListener('change', async () => {
    const f = importInput.files?.[0];
    if (!f) return;
    const isJson = f.name.endsWith('.json');
    try {
      const r = await call('POST /api/timetable/import', {
        body: await f.arrayBuffer(),
        contentType: isJson ? 'application/json' : 'text/csv',
      });
      if (r.published) return go(grade, week);
      status.replaceChildren(
        notice('error', r.message ?? t('ttRejected', { n: r.errors.length + r.violations.length })),
        h(
          'table',
          { class: 'roster', 'data-testid': 'tt-report' },
          h('thead', {}, h('tr', {}, h('th', {}, t('line')), h('th', {}, t('reason')))),
          h('tbody', {}, [
            ...r.errors.map((e) => h('tr', {}, h('td', {}, e.line), h('td', {}, e.message))),
            ...r.violations.map((v) =>
              h('tr', {}, h('td', {}, v.line ?? ''), h('td', {}, `${v.slot}: ${msg(v)}`)),
            ),
          ]),
        ),
      );
    } catch (err) {
      status.replaceChildren(notice('error', errorText(err)));
    }
  });

  return h(
    'div',
    {},
    h('h1', {}, t('timetableTitle')),
    h(
      'div',
      { class: 'filters' },
      h(
        'select',
        {
          'aria-label': t('grades'),
          'data-testid': 'tt-grade',
          onchange: (e: Event) => go(Number((e.target as HTMLSelectElement).value), week),
        },
        info.grades.map((g) => h('option', { value: g.number, selected: g.number === grade }, g.name)),
      ),
      h('button', { onclick: () => go(grade, addDays(week, -7)) }, `← ${t('prevWeek')}`),
      h('span', { class: 'muted' }, `${week} – ${addDays(week, 6)}`),
      h('button', { onclick: () => go(grade, addDays(week, 7)) }, `${t('nextWeek')} →`),
      h(
        'a',
        {
          class: 'button',
          href: `/api/timetable/export?from=${week}&days=7&grade=${grade}`,
          onclick: exportClick('csv'),
        },
        t('exportCsv'),
      ),
      canEdit && h('label', { class: 'inline' }, t('importFile'), importInput),
    ),
    status,
    h('div', { class: 'tt-week' }, dayCols),
  );

  function exportClick(format: 'csv') {
    return async (e: Event) => {
      e.preventDefault();
      const res = await fetch(`/api/timetable/export?format=${format}&from=${week}&days=7&grade=${grade}`, {
        headers: { authorization: `Bearer ${session.token}` },
      });
      const blob = await res.blob();
      const a = h('a', { href: URL.createObjectURL(blob), download: `timetable-grade${grade}-${week}.csv` });
      a.click();
      URL.revokeObjectURL(a.href);
    };
  }
}
