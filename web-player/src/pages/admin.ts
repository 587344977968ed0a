/** The administrators' hub (#/admin): every page an admin works with, one click away. */
import type { ApiUser } from '../api.ts';
import { h } from '../dom.ts';
import { t, type MessageKey } from '../i18n.ts';

const card = (href: string, title: MessageKey, hint: MessageKey, testId: string) =>
  h(
    'a',
    { class: 'card action-card', href, 'data-testid': testId },
    h('span', {}, h('strong', {}, t(title)), h('br'), h('span', { class: 'muted' }, t(hint))),
  );

export function renderAdmin(me: ApiUser): HTMLElement {
  return h(
    'div',
    { 'data-testid': 'admin-hub' },
    h('h1', {}, t('admin.title')),
    h('p', { class: 'muted' }, t('admin.hint')),
    h(
      'div',
      { class: 'grid' },
      card('#/admin/supervision', 'sup.link', 'sup.linkHint', 'admin-supervision-link'),
      card('#/admin/people', 'people.link', 'people.linkHint', 'admin-people-link'),
      card('#/admin/rules', 'admin.rules', 'admin.rulesHint', 'admin-rules-link'),
      card('#/timetable', 'timetableNav', 'admin.timetableHint', 'admin-timetable-link'),
      me.role === 'district_admin' ? card('#/duty', 'dutyTitle', 'dutyHint', 'admin-duty-link') : '',
      me.role === 'district_admin'
        ? card('#/admin/outputs', 'outputs.link', 'outputs.linkHint', 'admin-outputs-link')
        : '',
      card('#/workload', 'workloadTitle', 'workloadHint', 'admin-workload-link'),
      card(
        '#/lessons',
        me.role === 'district_admin' ? 'reviewLessons' : 'browseLessons',
        'reviewHint',
        'admin-lessons-link',
      ),
    ),
  );
}
