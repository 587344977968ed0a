/**
 * Supervision (督导统计, #/admin/supervision): the district → school → grade
 * → class roll-up of attendance, participation (questions, answers,
 * homework handed in) and teachers on duty, for a day or the week ending on
 * it; a chart of the days, the scopes one level down (click to go down), the
 * CSV, and 刷新 to summarise today now.
 */
import { call, errorText, session, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t } from '../i18n.ts';
import { dateTime } from '../format.ts';
import type { z } from 'zod';
import type * as sup from '../../../contracts/supervision.ts';

type View = z.infer<typeof sup.SupervisionView>;
type Figures = z.infer<typeof sup.SupervisionFigures>;
type Scope = z.infer<typeof sup.SupervisionScope>;

const hrefOf = (s: Pick<Scope, 'level' | 'school' | 'grade' | 'class'>, range: string, to: string) => {
  const q = new URLSearchParams();
  if (s.level === 'class' && s.class) q.set('class', s.class);
  else {
    if (s.school) q.set('school', s.school);
    if (s.level === 'grade' && s.grade) q.set('grade', String(s.grade));
  }
  q.set('range', range);
  q.set('to', to);
  return `#/admin/supervision?${q.toString()}`;
};

const pctText = (p: number | null) => (p === null ? '—' : `${p}%`);

/** A share as a bar with its figure; low shares are marked (below 80 %). */
function share(p: number | null, detail: string, testId?: string): HTMLElement {
  return h(
    'span',
    {
      class: `sup-share${p !== null && p < 80 ? ' low' : ''}`,
      title: detail,
      ...(testId ? { 'data-testid': testId } : {}),
    },
    h('span', { class: 'term-track' }, h('span', { class: 'term-bar', style: `width:${p ?? 0}%` })),
    h('span', { class: 'small' }, pctText(p)),
  );
}

function totalsCards(f: Figures): HTMLElement {
  const tile = (label: string, value: string, sub: string, testId: string) =>
    h(
      'div',
      { class: 'card sup-tile', 'data-testid': testId },
      h('span', { class: 'muted small' }, label),
      h('strong', {}, value),
      h('span', { class: 'small muted' }, sub),
    );
  return h(
    'div',
    { class: 'grid sup-tiles' },
    tile(
      t('sup.attendance'),
      pctText(f.attendancePct),
      t('sup.attendanceSub', { present: f.present, cells: f.cells, absent: f.absent }),
      'sup-attendance',
    ),
    tile(
      t('sup.homework'),
      pctText(f.homeworkPct),
      t('sup.homeworkSub', { done: f.homeworkDone, due: f.homeworkDue }),
      'sup-homework',
    ),
    tile(
      t('sup.duty'),
      pctText(f.dutyPct),
      t('sup.dutySub', { listened: f.dutyListened, cells: f.dutyCells }),
      'sup-duty',
    ),
    tile(t('sup.questions'), String(f.questions), t('sup.answersSub', { n: f.answers }), 'sup-questions'),
    tile(
      t('sup.students'),
      String(f.students),
      t('sup.classesSub', { n: f.classes, lessons: f.lessons }),
      'sup-students',
    ),
  );
}

export async function renderSupervision(_me: ApiUser, query: URLSearchParams): Promise<HTMLElement> {
  const range = query.get('range') === 'day' ? 'day' : 'week';
  // The days end on ?to, else on today in the district's time zone (the server's, not this device's).
  const q: Record<string, string> = { days: range === 'day' ? '1' : '7' };
  for (const k of ['school', 'grade', 'class', 'to']) {
    const v = query.get(k);
    if (v) q[k] = v;
  }
  const v: View = await call('GET /api/supervision', { query: q as never });
  const to = v.to;
  const here = (r: string, d = to) => hrefOf(v.scope, r, d);
  const messages = h('div', { 'aria-live': 'polite' });

  const dateInput = h('input', {
    type: 'date',
    value: to,
    max: v.today,
    'data-testid': 'sup-date',
    'aria-label': t('sup.date'),
  });
  dateInput.addEventListener('change', () => {
    if (dateInput.value) location.hash = here(range, dateInput.value);
  });
  const refresh = h('button', { class: 'secondary', 'data-testid': 'sup-refresh' }, t('sup.refresh'));
  refresh.addEventListener('click', async () => {
    refresh.disabled = true;
    messages.replaceChildren(notice('info', t('sup.refreshing')));
    try {
      const r = await call('POST /api/supervision/refresh', {
        body: v.scope.school ? { school: v.scope.school } : {},
      });
      draw(await call('GET /api/supervision', { query: q as never }));
      messages.replaceChildren(notice('ok', t('sup.refreshed', { n: r.classes })));
    } catch (e) {
      messages.replaceChildren(notice('error', errorText(e)));
    } finally {
      refresh.disabled = false;
    }
  });
  const csv = h('button', { class: 'secondary', 'data-testid': 'sup-csv' }, t('sup.csv'));
  csv.addEventListener('click', async () => {
    const res = await fetch(`/api/supervision?${new URLSearchParams({ ...q, format: 'csv' }).toString()}`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    if (!res.ok) return void messages.replaceChildren(notice('error', t('exportFailed')));
    const url = URL.createObjectURL(await res.blob());
    const name =
      /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'supervision.csv';
    const a = h('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  const crumbs = h(
    'p',
    { class: 'sup-crumbs', 'data-testid': 'sup-crumbs' },
    ...v.parents.flatMap((p) => [
      h('a', { href: hrefOf(p, range, to) }, p.level === 'district' ? t('sup.district') : p.name),
      ' › ',
    ]),
    h('strong', {}, v.scope.level === 'district' ? t('sup.district') : v.scope.name),
  );

  /** The figures part of the page (redrawn in place by 刷新). */
  const figures = h('div', {});
  const draw = (v: View) => {
    const stamp =
      v.computedAt === null
        ? h('p', { class: 'empty', 'data-testid': 'sup-empty' }, t('sup.none'))
        : h(
            'p',
            { class: 'muted small', 'data-testid': 'sup-stamp' },
            t('sup.asOf', { at: dateTime(new Date(v.computedAt).toISOString()) }),
          );

    const chart =
      v.days.length > 1
        ? h(
            'section',
            { class: 'card' },
            h('h2', {}, t('sup.byDay')),
            h(
              'div',
              { class: 'week-chart', 'data-testid': 'sup-days' },
              v.days.map((d) =>
                h(
                  'a',
                  {
                    class: 'bar-col',
                    href: here('day', d.date),
                    title: d.summarised ? `${pctText(d.figures.attendancePct)}` : t('sup.notSummarised'),
                  },
                  h(
                    'div',
                    { class: 'bar-track' },
                    h('div', { class: 'bar', style: `height:${d.figures.attendancePct ?? 0}%` }),
                  ),
                  h(
                    'span',
                    { class: 'muted small' },
                    d.summarised ? pctText(d.figures.attendancePct) : t('sup.noData'),
                  ),
                  h('span', { class: 'small' }, d.date.slice(5)),
                ),
              ),
            ),
            h('p', { class: 'muted small' }, t('sup.byDayHint')),
          )
        : '';

    const childLabel =
      v.scope.level === 'district'
        ? t('sup.schools')
        : v.scope.level === 'school'
          ? t('sup.grades')
          : t('sup.classes');
    const children =
      v.scope.level === 'class'
        ? h(
            'section',
            { class: 'card' },
            h(
              'p',
              {},
              h(
                'a',
                { href: `#/class/${v.scope.class}/dashboard`, 'data-testid': 'sup-class-dashboard' },
                t('sup.toClass'),
              ),
            ),
          )
        : h(
            'section',
            { class: 'card' },
            h('h2', {}, childLabel),
            v.children.length
              ? h(
                  'div',
                  { class: 'table-wrap' },
                  h(
                    'table',
                    { class: 'table', 'data-testid': 'sup-children' },
                    h(
                      'thead',
                      {},
                      h(
                        'tr',
                        {},
                        ...[
                          t('sup.name'),
                          t('sup.students'),
                          t('sup.attendance'),
                          t('sup.homework'),
                          t('sup.duty'),
                          t('sup.questions'),
                          t('sup.answers'),
                        ].map((x) => h('th', {}, x)),
                      ),
                    ),
                    h(
                      'tbody',
                      {},
                      v.children.map((c) =>
                        h(
                          'tr',
                          { 'data-id': c.id },
                          h('td', {}, h('a', { href: hrefOf(c, range, to) }, c.name)),
                          h('td', {}, String(c.figures.students)),
                          h(
                            'td',
                            {},
                            share(c.figures.attendancePct, `${c.figures.present}/${c.figures.cells}`),
                          ),
                          h(
                            'td',
                            {},
                            share(
                              c.figures.homeworkPct,
                              `${c.figures.homeworkDone}/${c.figures.homeworkDue}`,
                            ),
                          ),
                          h(
                            'td',
                            {},
                            share(c.figures.dutyPct, `${c.figures.dutyListened}/${c.figures.dutyCells}`),
                          ),
                          h('td', {}, String(c.figures.questions)),
                          h('td', {}, String(c.figures.answers)),
                        ),
                      ),
                    ),
                  ),
                )
              : h('p', { class: 'empty' }, t('sup.noChildren')),
          );
    figures.replaceChildren(stamp, totalsCards(v.totals), chart, children);
  };
  draw(v);

  return h(
    'div',
    { 'data-testid': 'supervision' },
    h('p', {}, h('a', { href: '#/admin' }, `← ${t('admin.title')}`)),
    h('h1', {}, t('sup.title')),
    h('p', { class: 'muted' }, t('sup.hint')),
    crumbs,
    h(
      'div',
      { class: 'sup-controls' },
      h(
        'a',
        {
          class: `pill${range === 'day' ? ' active' : ''}`,
          href: here('day'),
          'data-testid': 'sup-range-day',
        },
        t('sup.day'),
      ),
      h(
        'a',
        {
          class: `pill${range === 'week' ? ' active' : ''}`,
          href: here('week'),
          'data-testid': 'sup-range-week',
        },
        t('sup.week'),
      ),
      dateInput,
      refresh,
      csv,
    ),
    h('p', { class: 'muted small' }, `${v.from === v.to ? v.from : `${v.from} – ${v.to}`}`),
    messages,
    figures,
  );
}
