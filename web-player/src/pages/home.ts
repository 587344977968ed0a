import { call, type ApiClass, type ApiUser } from '../api.ts';
import { h } from '../dom.ts';
import { t } from '../i18n.ts';
import { renderFamily } from './family.ts';
import { checkInForm } from '../checkInForm.ts';

function classCard(c: ApiClass, me: ApiUser, schoolName?: string): HTMLElement {
  return h(
    'a',
    { class: 'card class-card', href: `#/class/${c.id}`, 'data-testid': 'class-card', 'data-class-id': c.id },
    h('strong', {}, c.name),
    schoolName && h('span', { class: 'muted' }, schoolName),
    h('span', { class: 'muted' }, t('studentCount', { n: c.studentCount })),
    c.classTeacherId === me.id && h('span', { class: 'badge' }, t('classTeacher')),
  );
}

function classesByGrade(
  classes: ApiClass[],
  me: ApiUser,
  schools: Map<string, string>,
  showSchool: boolean,
  gradeName: (g: number) => string,
): HTMLElement {
  if (classes.length === 0) return h('p', { class: 'empty' }, t('noClasses'));
  const grades = [...new Set(classes.map((c) => c.grade))].sort((a, b) => a - b);
  return h(
    'div',
    {},
    grades.map((g) =>
      h(
        'section',
        { class: 'grade-group' },
        h('h3', {}, gradeName(g)),
        h(
          'div',
          { class: 'grid' },
          classes
            .filter((c) => c.grade === g)
            .map((c) => classCard(c, me, showSchool ? schools.get(c.schoolId) : undefined)),
        ),
      ),
    ),
  );
}

export async function renderHome(me: ApiUser): Promise<HTMLElement> {
  if (me.role === 'parent') return renderFamily(me);
  const [info, { classes }] = await Promise.all([call('GET /api/district'), call('GET /api/classes')]);
  const schools = new Map(info.schools.map((s) => [s.id, s.name]));
  const gradeName = (g: number) => info.grades.find((x) => x.number === g)?.name ?? String(g);
  const head = h(
    'section',
    { class: 'hero', 'data-testid': `home-${me.role}` },
    h('h1', {}, t('welcome', { name: me.displayName })),
    h(
      'p',
      { class: 'muted' },
      [info.district?.name, me.schoolId ? schools.get(me.schoolId) : null].filter(Boolean).join(' · '),
    ),
  );
  switch (me.role) {
    case 'student': {
      const cls = classes[0];
      return h(
        'div',
        {},
        head,
        cls &&
          h(
            'section',
            { class: 'card' },
            h('h2', {}, t('myClasses')),
            h(
              'a',
              { href: `#/class/${cls.id}`, 'data-testid': 'class-card', 'data-class-id': cls.id },
              cls.name,
            ),
            ' · ',
            h('a', { href: `#/class/${cls.id}/week`, 'data-testid': 'home-week' }, t('week.link')),
          ),
        h(
          'a',
          { class: 'card action-card', href: '#/live', 'data-testid': 'home-live' },
          h(
            'span',
            {},
            h('strong', {}, t('liveTitle')),
            h('br'),
            h('span', { class: 'muted' }, t('noLiveStudent')),
          ),
        ),
        h(
          'a',
          { class: 'card action-card', href: '#/lessons', 'data-testid': 'home-replays' },
          h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }),
          h(
            'span',
            {},
            h('strong', {}, t('replays')),
            h('br'),
            h('span', { class: 'muted' }, t('replaysHint')),
          ),
        ),
        tvCheckIn(),
        h('p', { class: 'muted' }, t('studentHomeHint')),
      );
    }
    case 'co_teacher':
      return h(
        'div',
        {},
        head,
        h('p', { class: 'muted' }, t('coHomeHint')),
        h('h2', {}, t('myClasses')),
        classesByGrade(classes, me, schools, false, gradeName),
      );
    case 'lead_teacher':
      return h(
        'div',
        {},
        head,
        h('p', { class: 'muted' }, t('leadHomeHint')),
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('myGrades')),
          h(
            'ul',
            {},
            (me.grades ?? []).map((g) =>
              h(
                'li',
                {},
                `${info.grades.find((x) => x.number === g)?.name ?? g} — ${t('subjects')}: ${(me.subjects ?? []).join('、')}`,
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'grid' },
          h(
            'a',
            { class: 'card action-card', href: '#/live', 'data-testid': 'home-live' },
            h(
              'span',
              {},
              h('strong', {}, t('liveTitle')),
              h('br'),
              h('span', { class: 'muted' }, t('scheduleLive')),
            ),
          ),
          h(
            'a',
            { class: 'card action-card', href: '#/upload', 'data-testid': 'home-upload' },
            h(
              'span',
              {},
              h('strong', {}, t('uploadLesson')),
              h('br'),
              h('span', { class: 'muted' }, t('uploadHint')),
            ),
          ),
          h(
            'a',
            { class: 'card action-card', href: '#/lessons', 'data-testid': 'home-my-lessons' },
            h(
              'span',
              {},
              h('strong', {}, t('myLessons')),
              h('br'),
              h('span', { class: 'muted' }, t('myLessonsHint')),
            ),
          ),
        ),
        h('h2', {}, t('classes')),
        classesByGrade(classes, me, schools, true, gradeName),
      );
    case 'school_admin':
    case 'district_admin':
      return h(
        'div',
        {},
        head,
        h('p', { class: 'muted' }, t('adminHomeHint')),
        h(
          'a',
          { class: 'card action-card', href: '#/lessons', 'data-testid': 'home-review' },
          h(
            'span',
            {},
            h('strong', {}, t(me.role === 'district_admin' ? 'reviewLessons' : 'browseLessons')),
            h('br'),
            h(
              'span',
              { class: 'muted' },
              t(me.role === 'district_admin' ? 'reviewHint' : 'browseLessonsHint'),
            ),
          ),
        ),
        me.role === 'district_admin'
          ? h(
              'a',
              { class: 'card action-card', href: '#/duty', 'data-testid': 'home-duty' },
              h(
                'span',
                {},
                h('strong', {}, t('dutyTitle')),
                h('br'),
                h('span', { class: 'muted' }, t('dutyHint')),
              ),
            )
          : '',
        h(
          'a',
          { class: 'card action-card', href: '#/workload', 'data-testid': 'home-workload' },
          h(
            'span',
            {},
            h('strong', {}, t('workloadTitle')),
            h('br'),
            h('span', { class: 'muted' }, t('workloadHint')),
          ),
        ),
        h(
          'section',
          { class: 'stats' },
          h('div', { class: 'stat' }, h('strong', {}, info.schools.length), t('schools')),
          h('div', { class: 'stat' }, h('strong', {}, info.grades.length), t('grades')),
          h('div', { class: 'stat' }, h('strong', {}, classes.length), t('classes')),
          h(
            'div',
            { class: 'stat' },
            h(
              'strong',
              {},
              classes.reduce((n, c) => n + c.studentCount, 0),
            ),
            t('students'),
          ),
        ),
        h('h2', {}, t('grades')),
        h(
          'ul',
          { class: 'chips' },
          info.grades.map((g) => h('li', {}, `${g.name} · ${t(`level.${g.level}` as never)}`)),
        ),
        h('h2', {}, t('classes')),
        classesByGrade(classes, me, schools, me.role === 'district_admin', gradeName),
      );
  }
}

/** TV check-in: a child watching the grade channel on the family TV enters the code it shows. */
function tvCheckIn(): HTMLElement {
  return checkInForm({
    send: (code) => call('POST /api/attendance/check-in', { body: { code } }),
    heading: t('checkin.title'),
    hint: t('checkin.hint'),
    testId: 'checkin',
  });
}
