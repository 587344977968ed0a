import { materialsPanel } from '../materialsPanel.ts';
import { call, ApiError, type ApiClass, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t } from '../i18n.ts';
import { renderImportReport } from '../importReport.ts';
import { errorText } from '../api.ts';

export async function renderClass(me: ApiUser, classId: string): Promise<HTMLElement> {
  const info = await call('GET /api/classes/:id', { params: { id: classId } });
  const cls = info.class;
  const page = h('div', { 'data-testid': 'class-page' });
  const status = h('div', { class: 'status-area' });
  const rosterBox = h('div');

  const showRoster = async () => {
    if (me.role === 'student' || me.role === 'lead_teacher') return;
    const { students } = await call('GET /api/classes/:id/students', { params: { id: cls.id } });
    if (students.length === 0) {
      rosterBox.replaceChildren(h('p', { class: 'empty' }, t('noStudents')));
      return;
    }
    rosterBox.replaceChildren(
      h(
        'table',
        { class: 'roster', 'data-testid': 'roster' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, t('displayName')),
            h('th', {}, t('username')),
            info.canManageStudents && h('th', {}, ''),
          ),
        ),
        h(
          'tbody',
          {},
          students.map((s) =>
            h(
              'tr',
              {},
              h(
                'td',
                {},
                s.displayName,
                s.disabled &&
                  h('span', { class: 'badge muted', 'data-testid': 'disabled-badge' }, t('disabledBadge')),
              ),
              h('td', { class: 'mono' }, s.username),
              info.canManageStudents &&
                h(
                  'td',
                  { class: 'actions' },
                  h(
                    'button',
                    {
                      class: 'small',
                      onclick: async () => {
                        if (!confirm(t('confirmReset', { name: s.displayName }))) return;
                        try {
                          const r = await call('POST /api/users/:id/password', {
                            params: { id: s.id },
                            body: {},
                          });
                          status.replaceChildren(
                            notice(
                              'ok',
                              t('newPasswordIs', { name: s.displayName, pw: r.newPassword ?? '' }),
                            ),
                          );
                        } catch (e) {
                          status.replaceChildren(notice('error', errorText(e)));
                        }
                      },
                    },
                    t('resetPassword'),
                  ),
                  ' ',
                  h(
                    'button',
                    {
                      class: 'small',
                      'data-testid': 'toggle-disabled',
                      onclick: async () => {
                        const off = !s.disabled;
                        if (off && !confirm(t('confirmDisable', { name: s.displayName }))) return;
                        try {
                          await call('PUT /api/users/:id/disabled', {
                            params: { id: s.id },
                            body: { disabled: off },
                          });
                          status.replaceChildren(
                            notice(
                              'ok',
                              t(off ? 'accountDisabled' : 'accountEnabled', { name: s.displayName }),
                            ),
                          );
                          await showRoster();
                        } catch (e) {
                          status.replaceChildren(notice('error', errorText(e)));
                        }
                      },
                    },
                    t(s.disabled ? 'enableAccount' : 'disableAccount'),
                  ),
                  ' ',
                  h(
                    'button',
                    {
                      class: 'small danger',
                      'data-testid': 'erase-account',
                      onclick: async () => {
                        if (!confirm(t('confirmErase', { name: s.displayName }))) return;
                        try {
                          await call('DELETE /api/users/:id', { params: { id: s.id } });
                          status.replaceChildren(notice('ok', t('accountErased', { name: s.displayName })));
                          await showRoster();
                        } catch (e) {
                          status.replaceChildren(notice('error', errorText(e)));
                        }
                      },
                    },
                    t('eraseAccount'),
                  ),
                ),
            ),
          ),
        ),
      ),
    );
  };

  page.append(
    h('p', {}, h('a', { href: '#/' }, `← ${t('home')}`)),
    h(
      'section',
      { class: 'hero' },
      h('h1', { 'data-testid': 'class-name' }, cls.name),
      h(
        'p',
        { class: 'muted' },
        `${info.school?.name ?? ''} · ${t('studentCount', { n: cls.studentCount })}`,
      ),
      ['co_teacher', 'school_admin', 'district_admin'].includes(me.role)
        ? h(
            'a',
            {
              class: 'button primary-link',
              href: `#/class/${classId}/dashboard`,
              'data-testid': 'open-dashboard',
            },
            t('openDashboard'),
          )
        : '',
      ['co_teacher', 'student'].includes(me.role)
        ? h(
            'a',
            { class: 'button', href: `#/class/${classId}/room`, 'data-testid': 'open-room' },
            t('openRoom'),
          )
        : me.role === 'district_admin'
          ? h(
              'a',
              { class: 'button', href: `#/class/${classId}/room`, 'data-testid': 'observe-room' },
              t('roomObserve'),
            )
          : '',
      ['co_teacher', 'school_admin', 'district_admin'].includes(me.role)
        ? h(
            'a',
            { class: 'button', href: `#/class/${classId}/homework`, 'data-testid': 'open-homework' },
            t('hwNav'),
          )
        : me.role === 'student'
          ? h('a', { class: 'button', href: '#/homework', 'data-testid': 'open-homework' }, t('hwNav'))
          : '',
      me.role !== 'lead_teacher'
        ? h(
            'a',
            { class: 'button', href: `#/class/${classId}/week`, 'data-testid': 'open-week' },
            t('week.link'),
          )
        : '',
      ['co_teacher', 'school_admin', 'district_admin'].includes(me.role)
        ? h(
            'a',
            { class: 'button', href: `#/class/${classId}/parents`, 'data-testid': 'open-parents' },
            t('parents.button'),
          )
        : '',
      me.role === 'co_teacher'
        ? h(
            'a',
            { class: 'button', href: `#/upload?class=${classId}`, 'data-testid': 'upload-micro' },
            t('microUpload'),
          )
        : '',
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('teachers')),
      h(
        'ul',
        {},
        info.teachers.map((u) =>
          h(
            'li',
            {},
            u.displayName,
            ' ',
            (u.subjects ?? []).join('、'),
            cls.classTeacherId === u.id && h('span', { class: 'badge' }, t('classTeacher')),
          ),
        ),
      ),
    ),
  );
  if (me.role !== 'lead_teacher')
    page.append(
      materialsPanel(
        { kind: 'class', classId: cls.id },
        me.role === 'co_teacher' && !!me.classIds?.includes(cls.id),
      ),
    );
  if (me.role !== 'lead_teacher') page.append(await classVideos(cls.id));
  if (me.role !== 'student' && me.role !== 'lead_teacher') {
    page.append(h('section', { class: 'card' }, h('h2', {}, t('students')), status, rosterBox));
  }
  if (info.canManageStudents)
    page.append(addStudentForm(cls, status, showRoster), importForm(cls, status, showRoster));
  await showRoster();
  return page;
}

/** The class's own videos (微课), newest first. */
async function classVideos(classId: string): Promise<HTMLElement> {
  const { lessons } = await call('GET /api/lessons', { query: { classId } });
  return h(
    'section',
    { class: 'card', 'data-testid': 'class-videos' },
    h('h2', {}, t('microList')),
    lessons.length === 0
      ? h('p', { class: 'empty' }, t('microNone'))
      : h(
          'ul',
          { class: 'link-list' },
          lessons.map((l) =>
            h(
              'li',
              {},
              l.status === 'ready'
                ? h('a', { href: `#/watch/${l.id}`, 'data-testid': 'class-video' }, l.title)
                : h('span', {}, l.title, ' ', h('span', { class: 'badge' }, t(`status.${l.status}`))),
              ' ',
              h('span', { class: 'muted' }, `${l.subject} · ${l.teacherName}`),
            ),
          ),
        ),
  );
}

function addStudentForm(cls: ApiClass, status: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const username = h('input', {
    name: 'username',
    required: true,
    autocapitalize: 'none',
    placeholder: 'zhangsan01',
  });
  const displayName = h('input', { name: 'displayName', required: true, placeholder: '张三' });
  const password = h('input', { name: 'password', type: 'text', autocomplete: 'off' });
  return h(
    'form',
    {
      class: 'card',
      'data-testid': 'add-student',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          const r = await call('POST /api/classes/:id/students', {
            params: { id: cls.id },
            body: {
              username: username.value,
              displayName: displayName.value,
              ...(password.value ? { password: password.value } : {}),
            },
          });
          status.replaceChildren(
            notice(
              'ok',
              r.initialPassword
                ? t('createdWithPassword', { name: r.user.displayName, pw: r.initialPassword })
                : t('created', { name: r.user.displayName }),
            ),
          );
          (ev.target as HTMLFormElement).reset();
          await refresh();
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
        }
      },
    },
    h('h2', {}, t('addStudent')),
    h(
      'div',
      { class: 'row' },
      h('label', {}, t('username'), username),
      h('label', {}, t('displayName'), displayName),
      h('label', {}, t('initialPasswordOptional'), password),
    ),
    h('button', { type: 'submit', class: 'primary' }, t('add')),
  );
}

function importForm(cls: ApiClass, status: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const file = h('input', { type: 'file', accept: '.csv,text/csv', 'data-testid': 'csv-file' });
  const report = h('div', { 'data-testid': 'import-report' });
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    report.replaceChildren(h('progress', {}), ' ', t('importing'));
    try {
      const r = await call('POST /api/classes/:id/students/import', {
        params: { id: cls.id },
        body: await f.arrayBuffer(),
        contentType: 'text/csv',
      });
      report.replaceChildren(renderImportReport(r));
      await refresh();
    } catch (e) {
      report.replaceChildren(notice('error', e instanceof ApiError ? e.message : errorText(e)));
    } finally {
      file.value = '';
    }
  });
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, t('importCsv')),
    h('p', { class: 'muted' }, t('importHint')),
    h('label', { class: 'file' }, t('chooseFile'), file),
    report,
  );
}
