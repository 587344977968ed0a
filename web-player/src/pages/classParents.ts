/**
 * The class's parents and notices (#/class/<id>/parents): the notices posted
 * to parents with who has read them, a form to post one (the class teacher),
 * every student's parent accounts with a form to make one, and the
 * printable invitation codes (#/class/<id>/invites).
 */
import { call, errorText, ApiError, type ApiUser, type ResponseOf } from '../api.ts';
import { h, notice } from '../dom.ts';
import { dateTime } from '../format.ts';
import { t } from '../i18n.ts';
import { navigate } from '../router.ts';

type Student = ResponseOf<'GET /api/classes/:id/parents'>['students'][number];

function postForm(classId: string): HTMLElement {
  const title = h('input', { required: true, maxlength: 60, 'data-testid': 'notice-title' });
  const body = h('textarea', { required: true, rows: 4, maxlength: 2000, 'data-testid': 'notice-body' });
  const status = h('div', { class: 'status-area' });
  const submit = h('button', { type: 'submit', 'data-testid': 'notice-post' }, t('notice.post'));
  return h(
    'form',
    {
      class: 'card form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        submit.disabled = true;
        try {
          await call('POST /api/classes/:id/notices', {
            params: { id: classId },
            body: { title: title.value, body: body.value },
          });
          status.replaceChildren(notice('ok', t('notice.posted')));
          setTimeout(() => navigate(`#/class/${classId}/parents`), 600);
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, t('notice.postTitle')),
    h('label', {}, t('notice.titleLabel'), title),
    h('label', {}, t('notice.bodyLabel'), body),
    status,
    submit,
  );
}

function parentForm(classId: string, s: Student, done: (msg: HTMLElement) => void): HTMLElement {
  const name = h('input', {
    required: true,
    maxlength: 40,
    value: `${s.displayName}家长`,
    'data-testid': 'parent-name',
  });
  const username = h('input', {
    required: true,
    autocapitalize: 'none',
    value: `${s.username}-p${s.parents.length + 1}`,
    'data-testid': 'parent-username',
  });
  const phone = h('input', { type: 'tel', 'data-testid': 'parent-phone' });
  const status = h('div', { class: 'status-area' });
  return h(
    'form',
    {
      class: 'form parent-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          const r = await call('POST /api/classes/:id/parents', {
            params: { id: classId },
            body: {
              studentId: s.id,
              displayName: name.value,
              username: username.value,
              ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
            },
          });
          done(
            notice(
              'ok',
              r.initialPassword
                ? t('parents.created', { username: r.user.username, password: r.initialPassword })
                : t('parents.createdOwn', { username: r.user.username }),
            ),
          );
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
        }
      },
    },
    h('strong', {}, t('parents.createFor', { name: s.displayName })),
    h('label', {}, t('parents.name'), name),
    h('label', {}, t('username'), username),
    h('label', {}, t('parents.phone'), phone),
    status,
    h('button', { type: 'submit', 'data-testid': 'parent-create' }, t('parents.create')),
  );
}

function studentRow(classId: string, s: Student, canManage: boolean): HTMLElement {
  const extra = h('div', {});
  const row = h(
    'li',
    { 'data-testid': 'parent-row', 'data-student': s.username },
    h('strong', {}, s.displayName),
    ' ',
    h('span', { class: 'muted' }, s.username),
    ' — ',
    s.parents.length === 0
      ? h('span', { class: 'muted' }, t('parents.none'))
      : s.parents.map((p) =>
          h(
            'span',
            { class: 'chip' },
            `${p.displayName} (${p.username}) `,
            canManage
              ? h(
                  'button',
                  {
                    class: 'link',
                    onclick: async () => {
                      try {
                        await call('DELETE /api/classes/:id/parents/:parentId/children/:studentId', {
                          params: { id: classId, parentId: p.id, studentId: s.id },
                        });
                        navigate(`#/class/${classId}/parents`);
                      } catch (e) {
                        extra.replaceChildren(notice('error', errorText(e)));
                      }
                    },
                  },
                  t('parents.unlink'),
                )
              : '',
          ),
        ),
    ' ',
    canManage
      ? h(
          'button',
          {
            class: 'secondary',
            'data-testid': 'parent-add',
            onclick: () => extra.replaceChildren(parentForm(classId, s, (msg) => extra.replaceChildren(msg))),
          },
          t('parents.create'),
        )
      : '',
    extra,
  );
  return row;
}

export async function renderClassParents(me: ApiUser, classId: string): Promise<HTMLElement> {
  const [info, notices] = await Promise.all([
    call('GET /api/classes/:id', { params: { id: classId } }),
    call('GET /api/classes/:id/notices', { params: { id: classId } }),
  ]);
  const canManage = info.canManageStudents;
  const parents = canManage
    ? await call('GET /api/classes/:id/parents', { params: { id: classId } }).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 403) return null;
        throw e;
      })
    : null;
  const page = h(
    'div',
    { 'data-testid': 'class-parents' },
    h('p', {}, h('a', { href: `#/class/${classId}` }, `← ${info.class.name}`)),
    h('h1', {}, `${info.class.name} · ${t('parents.title')}`),
  );
  if (canManage) page.append(postForm(classId));
  page.append(
    h(
      'section',
      { class: 'card', 'data-testid': 'class-notices' },
      h('h2', {}, t('notice.title')),
      notices.notices.length === 0
        ? h('p', { class: 'empty' }, t('notice.classNone'))
        : h(
            'ul',
            { class: 'notice-list' },
            notices.notices.map((n) =>
              h(
                'li',
                { class: 'notice-item', 'data-testid': 'class-notice' },
                h(
                  'p',
                  {},
                  h('strong', {}, n.title),
                  ' ',
                  h('span', { class: 'hint' }, dateTime(n.createdAt)),
                ),
                h('p', { class: 'notice-body' }, n.body),
                h(
                  'p',
                  { class: 'hint', 'data-testid': 'notice-read-by' },
                  t('notice.readBy', { n: n.acknowledged, total: notices.parents }),
                  n.waiting.length
                    ? ` · ${t('notice.waiting', { names: n.waiting.map((w) => `${w.parentName}（${w.childName}）`).join('、') })}`
                    : '',
                ),
              ),
            ),
          ),
    ),
  );
  if (parents)
    page.append(
      h(
        'section',
        { class: 'card', 'data-testid': 'parent-accounts' },
        h('h2', {}, t('parents.list')),
        h('p', { class: 'muted' }, t('parents.invitesHint')),
        h(
          'p',
          {},
          h(
            'a',
            { class: 'button', href: `#/class/${classId}/invites`, 'data-testid': 'open-invites' },
            t('parents.invites'),
          ),
        ),
        h(
          'ul',
          { class: 'link-list' },
          parents.students.map((s) => studentRow(classId, s, canManage)),
        ),
      ),
    );
  return page;
}

/** One card per student with the code, for printing and cutting. */
export async function renderInvites(_me: ApiUser, classId: string, renew = false): Promise<HTMLElement> {
  const r = await call('POST /api/classes/:id/parent-invites', { params: { id: classId }, body: { renew } });
  const url = `${location.origin}/`;
  const page = h(
    'div',
    { class: 'invites', 'data-testid': 'invites' },
    h(
      'div',
      { class: 'no-print' },
      h('p', {}, h('a', { href: `#/class/${classId}/parents` }, `← ${t('parents.title')}`)),
      h('h1', {}, `${r.className} · ${t('parents.invites')}`),
      h('p', { class: 'muted' }, t('parents.invitesHint')),
      h(
        'p',
        {},
        h('button', { onclick: () => window.print(), 'data-testid': 'invites-print' }, t('parents.print')),
        ' ',
        h(
          'button',
          {
            class: 'secondary',
            onclick: async () => {
              page.replaceWith(await renderInvites(_me, classId, true));
            },
          },
          t('parents.renew'),
        ),
      ),
    ),
    h(
      'div',
      { class: 'invite-grid' },
      r.invites.map((i) =>
        h(
          'div',
          { class: 'invite-card', 'data-testid': 'invite-card' },
          h('p', {}, t('parents.inviteCard', { name: i.studentName, url })),
          h('p', { class: 'invite-code', 'data-testid': 'invite-code' }, i.code),
          h('p', { class: 'hint' }, t('parents.expires', { time: dateTime(i.expiresAt) })),
        ),
      ),
    ),
  );
  return page;
}
