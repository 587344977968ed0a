/**
 * The rules page (#/admin/rules): the district's timetable rules (district
 * admins) or a school's tightening (its admins), per school level, with what
 * they would break in the published timetable shown before saving; the
 * server refuses district rules that break published days (listed).
 */
import { call, errorText, ApiError, type ApiUser, type ResponseOf } from '../api.ts';
import { h, notice } from '../dom.ts';
import { getLang, t, type MessageKey } from '../i18n.ts';

type Rules = ResponseOf<'GET /api/timetable/rules'>['rules'];
type Level = keyof Rules['lessonMinutes'];
type Violation = ResponseOf<'POST /api/timetable/rules/preview'>['violations'][number];
const LEVELS: Level[] = ['primary_lower', 'primary_upper', 'junior_secondary', 'senior_secondary'];

const num = (v: number | undefined, attrs: Record<string, string | number> = {}) =>
  h('input', { type: 'number', min: 0, max: 720, step: 1, value: v ?? '', class: 'num', ...attrs });

function violationList(vs: Violation[]): HTMLElement {
  const lang = getLang() === 'en' ? 'en' : 'zh-CN';
  if (vs.length === 0) return notice('ok', t('rules.noImpact'));
  return h(
    'div',
    { 'data-testid': 'rules-impact' },
    notice('error', t('rules.impact', { n: vs.length })),
    h(
      'ul',
      {},
      vs
        .slice(0, 50)
        .map((v) => h('li', { 'data-testid': 'rules-violation' }, `${v.slot}: ${v.message[lang]}`)),
    ),
    vs.length > 50 ? h('p', { class: 'hint' }, t('rules.more', { n: vs.length - 50 })) : '',
  );
}

export async function renderAdminRules(me: ApiUser): Promise<HTMLElement> {
  const school = me.role === 'school_admin' ? me.schoolId : undefined;
  const got = await call('GET /api/timetable/rules', { query: school ? { school } : {} });
  const base: Rules = (school && got.school) || got.rules;
  const perLevel = (field: string, get: (l: Level) => number | undefined) =>
    LEVELS.map((l) =>
      h('td', {}, num(get(l), { 'data-field': field, 'data-level': l, 'aria-label': `${field} ${l}` })),
    );
  const table = h(
    'table',
    { class: 'rules-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, ''),
        LEVELS.map((l) => h('th', {}, t(`level.${l}` as MessageKey))),
      ),
    ),
    h(
      'tbody',
      {},
      h(
        'tr',
        {},
        h('th', {}, t('rules.lessonMin')),
        perLevel('lessonMin', (l) => base.lessonMinutes[l].min),
      ),
      h(
        'tr',
        {},
        h('th', {}, t('rules.lessonMax')),
        perLevel('lessonMax', (l) => base.lessonMinutes[l].max),
      ),
      h(
        'tr',
        {},
        h('th', {}, t('rules.dailyLive')),
        perLevel('dailyLive', (l) => base.dailyLiveMaxMinutes[l]),
      ),
      h(
        'tr',
        {},
        h('th', {}, t('rules.dailyLesson')),
        perLevel(
          'dailyLesson',
          (l) => base.dailyLessonMaxMinutes?.[l] ?? got.defaults.dailyLessonMaxMinutes?.[l],
        ),
      ),
      h(
        'tr',
        {},
        h('th', {}, t('rules.continuous')),
        perLevel(
          'continuous',
          (l) => base.continuousScreenMaxMinutes?.[l] ?? got.defaults.continuousScreenMaxMinutes?.[l],
        ),
      ),
      h(
        'tr',
        {},
        h('th', {}, t('rules.homework')),
        perLevel(
          'homework',
          (l) => base.homeworkDailyMaxMinutes?.[l] ?? got.defaults.homeworkDailyMaxMinutes?.[l],
        ),
      ),
    ),
  );
  const minBreak = num(base.minBreakMinutes, { 'data-testid': 'rules-break' });
  // Figures the district has not set show the server's defaults (GET /api/timetable/rules sends them).
  const backup = num(base.liveBackupAfterSeconds ?? got.defaults.liveBackupAfterSeconds, {
    min: 5,
    max: 600,
  });
  const retention = num(base.attendanceRetentionDays ?? got.defaults.attendanceRetentionDays, {
    min: 30,
    max: 400,
  });
  const rest = num(base.restReminderMinutes ?? got.defaults.restReminderMinutes, {
    min: 5,
    max: 120,
    'data-testid': 'rules-rest',
  });
  const read = (): Rules => {
    const v = (field: string, l: Level) =>
      Number((table.querySelector(`[data-field=${field}][data-level=${l}]`) as HTMLInputElement).value);
    const by = (field: string) =>
      Object.fromEntries(LEVELS.map((l) => [l, v(field, l)])) as Record<Level, number>;
    return {
      ...base,
      lessonMinutes: Object.fromEntries(
        LEVELS.map((l) => [l, { min: v('lessonMin', l), max: v('lessonMax', l) }]),
      ) as Rules['lessonMinutes'],
      minBreakMinutes: Number(minBreak.value),
      dailyLiveMaxMinutes: by('dailyLive'),
      dailyLessonMaxMinutes: by('dailyLesson'),
      continuousScreenMaxMinutes: by('continuous'),
      homeworkDailyMaxMinutes: by('homework'),
      liveBackupAfterSeconds: Number(backup.value),
      restReminderMinutes: Number(rest.value),
      ...(school ? {} : { attendanceRetentionDays: Number(retention.value) }),
    };
  };
  const status = h('div', { class: 'status-area', 'aria-live': 'polite' });
  const showError = (e: unknown) => {
    const details =
      e instanceof ApiError ? (e.details as { violations?: Violation[]; problems?: string[] }) : undefined;
    status.replaceChildren(
      notice('error', errorText(e)),
      details?.violations ? violationList(details.violations) : '',
      ...(details?.problems ?? []).map((p) => h('p', { class: 'hint' }, p)),
    );
  };
  return h(
    'div',
    { 'data-testid': 'admin-rules' },
    h('p', {}, h('a', { href: '#/admin' }, `← ${t('admin.title')}`)),
    h('h1', {}, t(school ? 'rules.schoolTitle' : 'rules.title')),
    h('p', { class: 'muted' }, t(school ? 'rules.schoolHint' : 'rules.hint')),
    h(
      'form',
      {
        class: 'card form',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          try {
            if (school)
              await call('PUT /api/timetable/rules/schools/:id', { params: { id: school }, body: read() });
            else await call('PUT /api/timetable/rules', { body: read() });
            status.replaceChildren(notice('ok', t('rules.saved')));
          } catch (e) {
            showError(e);
          }
        },
      },
      h('div', { class: 'table-wrap' }, table),
      h(
        'div',
        { class: 'row' },
        h('label', {}, t('rules.minBreak'), minBreak),
        h('label', {}, t('rules.backupAfter'), backup),
        h('label', {}, t('rules.rest'), rest),
        school ? '' : h('label', {}, t('rules.retention'), retention),
      ),
      status,
      h(
        'p',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'data-testid': 'rules-preview',
            onclick: async () => {
              try {
                const { violations } = await call('POST /api/timetable/rules/preview', {
                  body: { rules: read() },
                });
                status.replaceChildren(violationList(violations));
              } catch (e) {
                showError(e);
              }
            },
          },
          t('rules.preview'),
        ),
        ' ',
        h('button', { type: 'submit', 'data-testid': 'rules-save' }, t('rules.save')),
      ),
    ),
  );
}
