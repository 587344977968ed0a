/** Live lessons (#/live): what is on now and next; lead teachers schedule lessons and open their studio. */
import { call, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { dateTime } from '../format.ts';
import { t, type MessageKey } from '../i18n.ts';
import { liveApi, type LiveLessonView } from '../liveApi.ts';
import { errorText } from '../api.ts';
import { navigate } from '../router.ts';

export async function renderLiveList(me: ApiUser): Promise<HTMLElement> {
  const [{ lessons }, info] = await Promise.all([liveApi.list(), call('GET /api/district')]);
  const gradeName = (g: number) => info.grades.find((x) => x.number === g)?.name ?? String(g);
  const canSchedule = me.role === 'lead_teacher' || me.role === 'district_admin';
  const order = { live: 0, scheduled: 1, ended: 2 } as const;
  const sorted = [...lessons].sort((a, b) => order[a.status] - order[b.status]);

  const card = (l: LiveLessonView) =>
    h(
      'article',
      { class: 'card live-card', 'data-testid': 'live-card', 'data-live-id': l.id, 'data-status': l.status },
      h('h3', {}, l.title),
      h('p', { class: 'muted meta' }, [gradeName(l.grade), l.subject, l.teacherName].join(' · ')),
      h('span', { class: `badge live-${l.status}` }, t(`live.${l.status}` as MessageKey)),
      l.startedAt && h('span', { class: 'hint' }, ` ${t('startedAt')} ${dateTime(l.startedAt)}`),
      h(
        'div',
        { class: 'actions' },
        l.canRun &&
          l.status !== 'ended' &&
          h(
            'a',
            { class: 'button primary-link', href: `#/studio/${l.id}`, 'data-testid': 'open-studio' },
            t('openStudio'),
          ),
        !l.canRun &&
          l.status === 'scheduled' &&
          h('a', { class: 'button', href: `#/live/${l.id}`, 'data-testid': 'wait-live' }, t('waitForLive')),
        !l.canRun &&
          l.status === 'live' &&
          h(
            'a',
            { class: 'button primary-link', href: `#/live/${l.id}`, 'data-testid': 'watch-live' },
            t('watchLive'),
          ),
        l.canRun &&
          l.status === 'live' &&
          h('a', { class: 'button', href: `#/live/${l.id}` }, t('watchLive')),
        me.role === 'district_admin' && l.status === 'scheduled' && allowButton(l),
      ),
    );

  /** District admins: let the teacher go live outside the timetable for the next hour (audited). */
  const allowButton = (l: LiveLessonView) => {
    const b = h('button', { class: 'secondary', 'data-testid': 'allow-outside-slot' }, t('liveAllow'));
    b.addEventListener('click', async () => {
      const reason = prompt(t('liveAllowPrompt', { title: l.title }));
      if (!reason) return;
      const out = b.parentElement!;
      try {
        const r = await liveApi.allowOutsideSlot(l.id, reason);
        b.replaceWith(notice('ok', t('liveAllowed', { until: dateTime(r.until) })));
      } catch (e) {
        out.append(notice('error', errorText(e)));
      }
    });
    return b;
  };

  let form: HTMLElement | false = false;
  if (canSchedule) {
    const grades =
      me.role === 'lead_teacher'
        ? info.grades.filter((g) => (me.grades ?? []).includes(g.number))
        : info.grades;
    const title = h('input', {
      required: true,
      maxlength: 100,
      'data-testid': 'live-title',
      placeholder: t('titlePlaceholder'),
    });
    const grade = h(
      'select',
      { 'data-testid': 'live-grade' },
      grades.map((g) => h('option', { value: g.number }, g.name)),
    );
    const subject = h('input', {
      required: true,
      maxlength: 20,
      'data-testid': 'live-subject',
      value: me.subjects?.[0] ?? '',
    });
    const status = h('div', { 'aria-live': 'polite' });
    form = h(
      'form',
      {
        class: 'card',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          if (!title.value.trim()) return void status.replaceChildren(notice('error', t('needTitle')));
          try {
            const { lesson } = await liveApi.create({
              title: title.value.trim(),
              grade: Number(grade.value),
              subject: subject.value.trim(),
            });
            navigate(`#/studio/${lesson.id}`);
          } catch (err) {
            status.replaceChildren(notice('error', errorText(err)));
          }
        },
      },
      h('h2', {}, t('scheduleLive')),
      h('label', {}, t('lessonTitle'), title),
      h('div', { class: 'row' }, h('label', {}, t('grade'), grade), h('label', {}, t('subject'), subject)),
      h('button', { class: 'primary', type: 'submit', 'data-testid': 'create-live' }, t('createLive')),
      status,
    );
  }

  return h(
    'div',
    {},
    h('h1', {}, t('liveTitle')),
    sorted.length === 0
      ? h(
          'section',
          { class: 'card empty-state', 'data-testid': 'live-empty' },
          h('p', {}, canSchedule ? t('noLiveTeacher') : t('noLiveStudent')),
        )
      : h('div', { class: 'lesson-list' }, sorted.map(card)),
    form,
  );
}
