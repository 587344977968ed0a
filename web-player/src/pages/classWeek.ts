/**
 * A class's week (#/class/<id>/week; a parent's child: #/family/<child>/week):
 * the grade channel's lessons merged with the class's own activities (答疑,
 * PE/art/labour, tutoring, class meetings), a day per column. The class
 * teacher (and the school's admins) plan a day's activities in place; a day
 * the rules refuse shows each problem under it and changes nothing.
 */
import { call, errorText, ApiError, type ApiUser, type ResponseOf } from '../api.ts';
import { h, notice } from '../dom.ts';
import { getLang, t, type MessageKey } from '../i18n.ts';
import { navigate } from '../router.ts';
import type { ClassActivity } from '../../../contracts/timetable.ts';

type Week = ResponseOf<'GET /api/classes/:id/week'>;
type Item = Week['days'][number]['items'][number];
type Kind = ClassActivity['kind'];
/** The activity kinds and whether each is screen time unless said otherwise (sent with the week). */
type Kinds = Week['activityKinds'];

function shift(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const weekday = (date: string) =>
  new Date(`${date}T12:00:00Z`).toLocaleDateString(getLang(), {
    weekday: 'short',
    month: 'numeric',
    day: 'numeric',
  });

function itemView(i: Item): HTMLElement {
  const kind =
    i.type === 'lesson'
      ? t(i.kind === 'live' ? 'week.live' : 'week.recorded')
      : t(`week.kind.${i.kind}` as MessageKey);
  return h(
    'li',
    { class: `week-item week-${i.type}`, 'data-testid': `week-${i.type}` },
    h('span', { class: 'muted' }, `${i.start}–${i.end} `),
    h('strong', {}, i.title),
    h('br'),
    h(
      'span',
      { class: 'hint' },
      [kind, i.subject && i.subject !== i.title ? i.subject : '', i.onScreen ? '' : t('week.offScreen')]
        .filter(Boolean)
        .join(' · '),
    ),
    i.note ? h('div', { class: 'hint' }, i.note) : '',
  );
}

function activityRow(kinds: Kinds, a?: Item): HTMLElement {
  const kind = h(
    'select',
    { 'data-f': 'kind' },
    kinds.map((k) =>
      h('option', { value: k.kind, selected: a?.kind === k.kind }, t(`week.kind.${k.kind}` as MessageKey)),
    ),
  );
  const onScreenOf = (k: string) => kinds.find((x) => x.kind === k)?.onScreen ?? false;
  const onScreen = h('input', {
    type: 'checkbox',
    'data-f': 'onScreen',
    checked: a ? a.onScreen : onScreenOf(kinds[0]!.kind),
  });
  kind.addEventListener('change', () => (onScreen.checked = onScreenOf(kind.value)));
  const row = h(
    'div',
    { class: 'week-row', 'data-testid': 'act-row' },
    h('input', {
      type: 'time',
      required: true,
      value: a?.start ?? '',
      'data-f': 'start',
      'aria-label': t('week.start'),
    }),
    h('input', {
      type: 'time',
      required: true,
      value: a?.end ?? '',
      'data-f': 'end',
      'aria-label': t('week.end'),
    }),
    kind,
    h('input', {
      required: true,
      maxlength: 40,
      value: a?.title ?? '',
      placeholder: t('week.titlePh'),
      'data-f': 'title',
    }),
    h('input', { maxlength: 20, value: a?.subject ?? '', placeholder: t('subject'), 'data-f': 'subject' }),
    h('label', { class: 'inline' }, onScreen, ` ${t('week.onScreen')}`),
    h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, '✕'),
  );
  return row;
}

function dayEditor(
  classId: string,
  date: string,
  items: Item[],
  kinds: Kinds,
  done: () => void,
): HTMLElement {
  const rows = h(
    'div',
    {},
    items.filter((i) => i.type === 'activity').map((i) => activityRow(kinds, i)),
  );
  const status = h('div', { class: 'status-area' });
  const val = (r: Element, f: string) => (r.querySelector(`[data-f=${f}]`) as HTMLInputElement).value.trim();
  return h(
    'form',
    {
      class: 'card form week-editor',
      'data-testid': 'act-editor',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const activities = [...rows.querySelectorAll('[data-testid=act-row]')].map((r) => ({
          start: val(r, 'start'),
          end: val(r, 'end'),
          kind: val(r, 'kind') as Kind,
          title: val(r, 'title'),
          ...(val(r, 'subject') ? { subject: val(r, 'subject') } : {}),
          onScreen: (r.querySelector('[data-f=onScreen]') as HTMLInputElement).checked,
        }));
        try {
          await call('PUT /api/classes/:id/activities/:date', {
            params: { id: classId, date },
            body: { activities },
          });
          done();
        } catch (e) {
          const details =
            e instanceof ApiError
              ? (e.details as { violations?: { message: Record<string, string> }[] } | undefined)
              : undefined;
          status.replaceChildren(
            notice('error', errorText(e)),
            ...(details?.violations ?? []).map((v) =>
              h(
                'p',
                { class: 'notice error', 'data-testid': 'act-violation' },
                v.message[getLang() === 'en' ? 'en' : 'zh-CN'] ?? '',
              ),
            ),
          );
        }
      },
    },
    h('h3', {}, `${t('week.editDay')} · ${date}`),
    h('p', { class: 'hint' }, t('week.editHint')),
    rows,
    h(
      'p',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          'data-testid': 'act-add',
          onclick: () => rows.append(activityRow(kinds)),
        },
        t('week.add'),
      ),
    ),
    status,
    h('button', { type: 'submit', 'data-testid': 'act-save' }, t('week.save')),
  );
}

function weekView(w: Week, base: string): HTMLElement {
  const editorSlot = h('div', {});
  const reload = () => navigate(`${base}?from=${w.from}`);
  return h(
    'div',
    { 'data-testid': 'class-week' },
    h(
      'div',
      { class: 'day-nav' },
      h('a', { class: 'button secondary', href: `${base}?from=${shift(w.from, -7)}` }, `◀ ${t('week.prev')}`),
      h('strong', {}, `${w.from} – ${shift(w.from, 6)}`),
      h('a', { class: 'button secondary', href: `${base}?from=${shift(w.from, 7)}` }, `${t('week.next')} ▶`),
    ),
    w.violations.length
      ? h(
          'div',
          { 'data-testid': 'week-clashes' },
          notice('error', t('week.clashes')),
          w.violations.map((v) =>
            h('p', { class: 'hint' }, `${v.slot}: ${v.message[getLang() === 'en' ? 'en' : 'zh-CN']}`),
          ),
        )
      : '',
    editorSlot,
    h(
      'div',
      { class: 'week-grid' },
      w.days.map((d) =>
        h(
          'section',
          { class: 'card week-day', 'data-date': d.date },
          h('h3', {}, weekday(d.date)),
          d.items.length === 0
            ? h('p', { class: 'empty' }, t('week.empty'))
            : h('ul', { class: 'week-items' }, d.items.map(itemView)),
          w.canEdit
            ? h(
                'button',
                {
                  class: 'secondary',
                  'data-testid': 'act-edit',
                  onclick: () => {
                    editorSlot.replaceChildren(
                      dayEditor(w.classId, d.date, d.items, w.activityKinds, reload),
                    );
                    editorSlot.scrollIntoView({ behavior: 'smooth' });
                  },
                },
                t('week.edit'),
              )
            : '',
        ),
      ),
    ),
  );
}

export async function renderClassWeek(
  _me: ApiUser,
  classId: string,
  query: URLSearchParams,
): Promise<HTMLElement> {
  const from = query.get('from') ?? undefined;
  const w = await call('GET /api/classes/:id/week', { params: { id: classId }, query: from ? { from } : {} });
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: `#/class/${classId}` }, `← ${w.className}`)),
    h('h1', {}, `${w.className} · ${t('week.title')}`),
    h('p', { class: 'muted' }, t('week.hint')),
    weekView(w, `#/class/${classId}/week`),
  );
}

export async function renderChildWeek(
  _me: ApiUser,
  childId: string,
  query: URLSearchParams,
): Promise<HTMLElement> {
  const from = query.get('from') ?? undefined;
  const w = await call('GET /api/family/children/:id/week', {
    params: { id: childId },
    query: from ? { from } : {},
  });
  return h(
    'div',
    {},
    h('p', {}, h('a', { href: '#/family' }, `← ${t('fam.title')}`)),
    h('h1', {}, `${w.className} · ${t('week.title')}`),
    weekView(w, `#/family/${childId}/week`),
  );
}
