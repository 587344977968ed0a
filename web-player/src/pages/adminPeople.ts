/**
 * Schools, classes and staff (学校与人员, #/admin/people): district admins
 * see the schools (add one) and the district's own staff (lead teachers,
 * admins); a school (?school=, or a school admin's own) shows its classes
 * (add one) and its staff: add a person, import a staff list from CSV with
 * a per-row report, switch an account off or on again.
 */
import { call, errorText, type ApiClass, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t, type MessageKey } from '../i18n.ts';
import { renderImportReport } from '../importReport.ts';

/** A readable initial password for a new account (the admin hands it over; the person changes it). */
function newPassword(): string {
  const abc = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return [...bytes].map((b) => abc[b % abc.length]).join('');
}

const section = (title: string, testId: string, ...children: (Node | string | false)[]) =>
  h('section', { class: 'card', 'data-testid': testId }, h('h2', {}, title), ...children);

/** The message to show when the page is drawn again (see sayAndReload). */
let carried: { kind: 'ok' | 'info'; text: string } | null = null;

export async function renderAdminPeople(me: ApiUser, query: URLSearchParams): Promise<HTMLElement> {
  const schoolId = me.role === 'school_admin' ? me.schoolId! : (query.get('school') ?? undefined);
  const [info, { classes }, { staff }] = await Promise.all([
    call('GET /api/district'),
    call('GET /api/classes'),
    call('GET /api/staff', { query: schoolId ? { school: schoolId } : {} }),
  ]);
  const school = info.schools.find((s) => s.id === schoolId);
  const status = h('div', { 'aria-live': 'polite', class: 'status-area' });
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const say = (kind: 'ok' | 'error' | 'info', text: string) => status.replaceChildren(notice(kind, text));
  // A message said just before the lists are drawn again (a new account's one-time password) stays.
  if (carried) say(carried.kind, carried.text);
  carried = null;
  const sayAndReload = (kind: 'ok' | 'info', text: string) => {
    carried = { kind, text };
    reload();
  };
  const gradeName = (g: number) => info.grades.find((x) => x.number === g)?.name ?? String(g);

  // ---- staff table with 停用/启用
  const staffTable = (people: ApiUser[], ofSchool: ApiClass[]) =>
    people.length === 0
      ? h('p', { class: 'empty' }, t('people.noStaff'))
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', 'data-testid': 'staff' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[
                  t('displayName'),
                  t('username'),
                  t('people.role'),
                  t('people.teaches'),
                  t('people.state'),
                  '',
                ].map((x) => h('th', {}, x)),
              ),
            ),
            h(
              'tbody',
              {},
              people.map((u) => {
                const toggle = h(
                  'button',
                  { class: 'secondary small', 'data-testid': 'staff-toggle' },
                  u.disabled ? t('people.enable') : t('people.disable'),
                );
                toggle.addEventListener('click', async () => {
                  if (!u.disabled && !confirm(t('people.disableConfirm', { name: u.displayName }))) return;
                  try {
                    await call('PUT /api/users/:id/disabled', {
                      params: { id: u.id },
                      body: { disabled: !u.disabled },
                    });
                    reload();
                  } catch (e) {
                    say('error', errorText(e));
                  }
                });
                const teaches = [
                  ...(u.classIds ?? []).map((c) => ofSchool.find((x) => x.id === c)?.name ?? c),
                  ...(u.grades ?? []).map(gradeName),
                  ...(u.subjects ?? []),
                ].join('、');
                return h(
                  'tr',
                  { 'data-username': u.username, class: u.disabled ? 'muted' : '' },
                  h('td', {}, u.displayName),
                  h('td', { class: 'mono' }, u.username),
                  h('td', {}, t(`role.${u.role}` as MessageKey)),
                  h('td', {}, teaches || '—'),
                  h('td', {}, u.disabled ? t('people.off') : t('people.on')),
                  h('td', {}, u.id === me.id ? '' : toggle),
                );
              }),
            ),
          ),
        );

  // ---- add one person
  const addStaffForm = (ofSchool: ApiClass[]) => {
    const username = h('input', {
      required: true,
      autocapitalize: 'none',
      placeholder: 'wanglaoshi',
      'data-testid': 'staff-username',
    });
    const displayName = h('input', {
      required: true,
      maxlength: 40,
      placeholder: '王老师',
      'data-testid': 'staff-name',
    });
    const roles = school
      ? (['co_teacher', 'school_admin'] as const)
      : (['lead_teacher', 'district_admin'] as const);
    const role = h(
      'select',
      { 'data-testid': 'staff-role' },
      roles.map((r) => h('option', { value: r }, t(`role.${r}` as MessageKey))),
    );
    const classBoxes = ofSchool.map((c) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', value: c.id, 'data-testid': 'staff-class' }),
        ` ${c.name}`,
      ),
    );
    const gradeBoxes = info.grades.map((g) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', value: String(g.number), 'data-testid': 'staff-grade' }),
        ` ${g.name}`,
      ),
    );
    const subjects = h('input', { placeholder: '数学、语文', 'data-testid': 'staff-subjects' });
    const password = h('input', {
      required: true,
      minlength: 8,
      value: newPassword(),
      'data-testid': 'staff-password',
    });
    const classesRow = h(
      'div',
      { class: 'checks' },
      h('span', { class: 'muted' }, t('people.classes')),
      ...classBoxes,
    );
    const gradesRow = h(
      'div',
      { class: 'checks' },
      h('span', { class: 'muted' }, t('people.grades')),
      ...gradeBoxes,
    );
    const sync = () => {
      classesRow.hidden = role.value !== 'co_teacher';
      gradesRow.hidden = role.value !== 'lead_teacher';
    };
    role.addEventListener('change', sync);
    sync();
    const checked = (boxes: HTMLElement[]) =>
      boxes
        .map((b) => b.querySelector('input')!)
        .filter((i) => i.checked)
        .map((i) => i.value);
    return h(
      'form',
      {
        'data-testid': 'add-staff',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          const r = role.value as (typeof roles)[number];
          const subj = subjects.value.split(/[、,，;；\s]+/).filter(Boolean);
          try {
            const u = await call('POST /api/users', {
              body: {
                username: username.value,
                displayName: displayName.value,
                role: r,
                password: password.value,
                ...(school ? { schoolId: school.id } : {}),
                ...(r === 'co_teacher' ? { classIds: checked(classBoxes) } : {}),
                ...(r === 'lead_teacher' ? { grades: checked(gradeBoxes).map(Number) } : {}),
                ...(subj.length ? { subjects: subj } : {}),
              },
            });
            sayAndReload(
              'ok',
              t('people.created', { name: u.displayName, username: u.username, pw: password.value }),
            );
          } catch (e) {
            say('error', errorText(e));
          }
        },
      },
      h('h3', {}, t('people.add')),
      h(
        'div',
        { class: 'row' },
        h('label', {}, t('username'), username),
        h('label', {}, t('displayName'), displayName),
        h('label', {}, t('people.role'), role),
        h('label', {}, t('people.subjects'), subjects),
        h('label', {}, t('people.password'), password),
      ),
      classesRow,
      gradesRow,
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'staff-add' }, t('add')),
    );
  };

  // ---- CSV import
  const importForm = () => {
    const file = h('input', { type: 'file', accept: '.csv,text/csv', 'data-testid': 'staff-csv' });
    const report = h('div', { 'data-testid': 'staff-import-report' });
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (!f) return;
      report.replaceChildren(h('progress', {}), ' ', t('importing'));
      try {
        const r = await call('POST /api/staff/import', {
          query: school ? { school: school.id } : {},
          body: await f.arrayBuffer(),
          contentType: 'text/csv',
        });
        report.replaceChildren(
          renderImportReport(r),
          h('p', {}, h('button', { class: 'link', onclick: reload }, t('people.showList'))),
        );
      } catch (e) {
        report.replaceChildren(notice('error', errorText(e)));
      } finally {
        file.value = '';
      }
    });
    return h(
      'div',
      {},
      h('h3', {}, t('people.import')),
      h(
        'p',
        { class: 'muted small' },
        school ? t('people.importHintSchool') : t('people.importHintDistrict'),
      ),
      file,
      report,
    );
  };

  const head = h(
    'div',
    {},
    h('p', {}, h('a', { href: '#/admin' }, `← ${t('admin.title')}`)),
    h('h1', {}, school ? `${school.name} · ${t('people.title')}` : t('people.title')),
    h('p', { class: 'muted' }, t('people.hint')),
    me.role === 'district_admin' &&
      school &&
      h(
        'p',
        {},
        h('a', { href: '#/admin/people', 'data-testid': 'people-district' }, `← ${t('people.allSchools')}`),
      ),
    status,
  );

  if (!school) {
    // The district: schools (add one) and its own staff.
    const name = h('input', {
      required: true,
      maxlength: 60,
      placeholder: '第三实验小学',
      'data-testid': 'school-name',
    });
    const schools = section(
      t('people.schools'),
      'schools',
      h(
        'ul',
        { class: 'link-list' },
        info.schools.map((s) => {
          const of = classes.filter((c) => c.schoolId === s.id);
          return h(
            'li',
            { 'data-school': s.id },
            h('a', { href: `#/admin/people?school=${encodeURIComponent(s.id)}` }, s.name),
            ' ',
            h(
              'span',
              { class: 'muted' },
              t('people.schoolCounts', {
                classes: of.length,
                students: of.reduce((n, c) => n + (c.studentCount ?? 0), 0),
              }),
            ),
          );
        }),
      ),
      h(
        'form',
        {
          class: 'row',
          'data-testid': 'add-school',
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            try {
              const s = await call('POST /api/schools', { body: { name: name.value } });
              location.hash = `#/admin/people?school=${encodeURIComponent(s.id)}`;
            } catch (e) {
              say('error', errorText(e));
            }
          },
        },
        h('label', {}, t('people.newSchool'), name),
        h('button', { type: 'submit', class: 'primary' }, t('add')),
      ),
    );
    return h(
      'div',
      { 'data-testid': 'admin-people' },
      head,
      schools,
      section(
        t('people.districtStaff'),
        'district-staff',
        staffTable(staff, []),
        addStaffForm([]),
        importForm(),
      ),
    );
  }

  // A school: its classes (add one) and staff.
  const ofSchool = classes.filter((c) => c.schoolId === school.id);
  const grade = h(
    'select',
    { 'data-testid': 'class-grade' },
    info.grades.map((g) => h('option', { value: g.number }, g.name)),
  );
  const className = h('input', {
    required: true,
    maxlength: 40,
    placeholder: '三年级（3）班',
    'data-testid': 'class-name',
  });
  const suggest = () => {
    const g = Number(grade.value);
    className.placeholder = `${gradeName(g)}（${ofSchool.filter((c) => c.grade === g).length + 1}）班`;
  };
  grade.addEventListener('change', suggest);
  suggest();
  const teacherOf = (c: ApiClass) => staff.find((u) => u.id === c.classTeacherId)?.displayName ?? '—';
  const classesSection = section(
    t('people.classesTitle'),
    'school-classes',
    ofSchool.length === 0
      ? h('p', { class: 'empty' }, t('people.noClasses'))
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table', 'data-testid': 'classes' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...[t('people.grade'), t('people.class'), t('people.students'), t('people.classTeacher')].map(
                  (x) => h('th', {}, x),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              ofSchool.map((c) =>
                h(
                  'tr',
                  { 'data-class': c.id },
                  h('td', {}, gradeName(c.grade)),
                  h('td', {}, h('a', { href: `#/class/${c.id}` }, c.name)),
                  h('td', {}, String(c.studentCount ?? 0)),
                  h('td', {}, teacherOf(c)),
                ),
              ),
            ),
          ),
        ),
    h(
      'form',
      {
        class: 'row',
        'data-testid': 'add-class',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          try {
            const c = await call('POST /api/classes', {
              body: {
                schoolId: school.id,
                grade: Number(grade.value),
                name: className.value || className.placeholder,
              },
            });
            sayAndReload('ok', t('people.classCreated', { name: c.name }));
          } catch (e) {
            say('error', errorText(e));
          }
        },
      },
      h('label', {}, t('people.grade'), grade),
      h('label', {}, t('people.class'), className),
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'class-add' }, t('add')),
    ),
    h('p', { class: 'muted small' }, t('people.classHint')),
  );
  return h(
    'div',
    { 'data-testid': 'admin-people' },
    head,
    classesSection,
    section(
      t('people.staffTitle'),
      'school-staff',
      staffTable(staff, ofSchool),
      addStaffForm(ofSchool),
      importForm(),
    ),
  );
}
