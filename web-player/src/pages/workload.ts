/**
 * For school and district admins (#/workload): each teacher's workload
 * (lessons taught, classes followed, questions answered), and a student's
 * data on request: download everything held about them, or delete it.
 */
import { call, session, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t } from '../i18n.ts';

export async function renderWorkload(_me: ApiUser): Promise<HTMLElement> {
  const [{ teachers, days }, duty] = await Promise.all([
    call('GET /api/workload'),
    call('GET /api/duty/gaps', { query: {} }),
  ]);
  const messages = h('div', { 'aria-live': 'polite' });
  const who = h('input', { placeholder: t('dataStudentPlaceholder'), 'data-testid': 'data-student' });
  const exportData = async () => {
    const id = encodeURIComponent(who.value.trim());
    if (!id) return;
    const res = await fetch(`/api/students/${id}/data`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    const body = (await res.json()) as { error?: { message: string } };
    if (!res.ok)
      return void messages.replaceChildren(notice('error', body.error?.message ?? t('exportFailed')));
    const url = URL.createObjectURL(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }));
    const a = h('a', { href: url, download: `student-data-${who.value.trim()}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    messages.replaceChildren(notice('ok', t('dataExported')));
  };
  const deleteData = async () => {
    const id = who.value.trim();
    if (!id || !confirm(t('dataDeleteConfirm', { who: id }))) return;
    try {
      const r = await call('DELETE /api/students/:id/data', { params: { id } });
      messages.replaceChildren(notice('ok', t('dataDeleted', { n: r.removedMessages, k: r.removedKeys })));
    } catch (e) {
      messages.replaceChildren(notice('error', (e as Error).message));
    }
  };
  return h(
    'div',
    {},
    h('h1', {}, t('workloadTitle')),
    h('p', { class: 'muted' }, t('workloadHint')),
    h(
      'section',
      { class: 'card' },
      teachers.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'table', 'data-testid': 'workload' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...[
                    t('teacher'),
                    t('workLessons'),
                    t('workClasses'),
                    t('workAnswers'),
                    t('workListened', { n: days }),
                    t('workMarked', { n: days }),
                  ].map((x) => h('th', {}, x)),
                ),
              ),
              h(
                'tbody',
                {},
                teachers.map((r) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, r.displayName, h('br'), h('span', { class: 'muted small' }, r.username)),
                    h('td', {}, String(r.lessonsTaught)),
                    h('td', {}, String(r.classesFollowed)),
                    h('td', {}, String(r.questionsAnswered)),
                    h(
                      'td',
                      { 'data-testid': 'work-listened' },
                      r.lessonsListened === undefined ? '—' : `${r.lessonsListened}/${r.lessonsOfClasses}`,
                    ),
                    h('td', {}, r.homeworkMarked === undefined ? '—' : String(r.homeworkMarked)),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('workloadEmpty')),
    ),
    h(
      'section',
      { class: 'card', 'data-testid': 'duty-gaps' },
      h('h2', {}, t('dutyGapsTitle', { date: duty.date })),
      duty.gaps.length === 0
        ? h('p', { class: 'empty' }, t('dutyGapsNone'))
        : h(
            'ul',
            {},
            duty.gaps.map((g) =>
              h(
                'li',
                { 'data-testid': 'duty-gap' },
                `${g.className} · ${new Date(g.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} ${g.lesson} · ${g.teacherName}`,
                ' ',
                h(
                  'span',
                  { class: `badge att-${g.status}` },
                  t(g.status === 'partial' ? 'attPartial' : 'dutyNotListening'),
                ),
              ),
            ),
          ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('dataTitle')),
      h('p', { class: 'muted' }, t('dataHint')),
      who,
      h(
        'p',
        {},
        h('button', { onclick: () => void exportData(), 'data-testid': 'data-export' }, t('dataExport')),
        ' ',
        h('button', { class: 'danger', onclick: () => void deleteData() }, t('dataDelete')),
      ),
      messages,
    ),
  );
}
