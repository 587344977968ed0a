/**
 * The recorded-lesson catalogue (#/lessons): search and filter by grade and
 * subject; processing progress live over socket.io; review (资源审核) for
 * admins; cancel, retry and delete for the lesson's teacher.
 */
import type { ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { clock, dateTime } from '../format.ts';
import { t } from '../i18n.ts';
import { lessonsApi, type LessonView } from '../lessonsApi.ts';
import { listen } from '../realtime.ts';
import { call, errorText } from '../api.ts';
import { navigate, onLeave } from '../router.ts';
import { progressBar } from '../progressBar.ts';

function statusBadge(l: Pick<LessonView, 'status' | 'review' | 'classId'>): HTMLElement[] {
  const badges = [
    h('span', { class: `badge status-${l.status}`, 'data-testid': 'status' }, t(`status.${l.status}`)),
  ];
  if (l.classId) badges.push(h('span', { class: 'badge', 'data-testid': 'class-video' }, t('microBadge')));
  else if (l.status === 'ready') {
    badges.push(
      h('span', { class: `badge review-${l.review}`, 'data-testid': 'review' }, t(`review.${l.review}`)),
    );
  }
  return badges;
}

export async function renderLessons(me: ApiUser, query: URLSearchParams): Promise<HTMLElement> {
  const filter = {
    grade: query.get('grade') ?? '',
    subject: query.get('subject') ?? '',
    q: query.get('q') ?? '',
  };
  const [{ lessons, subjects }, info] = await Promise.all([
    lessonsApi.list(filter),
    call('GET /api/district'),
  ]);
  const gradeName = (g: number) => info.grades.find((x) => x.number === g)?.name ?? String(g);
  const canUpload = me.role === 'lead_teacher' || me.role === 'district_admin' || me.role === 'co_teacher';
  const byId = new Map(lessons.map((l) => [l.id, l]));
  const cards = new Map<string, HTMLElement>();
  const status = h('div', { 'aria-live': 'polite' });

  const setFilter = (patch: Partial<typeof filter>) => {
    const next = new URLSearchParams(Object.entries({ ...filter, ...patch }).filter(([, v]) => !!v));
    navigate(`#/lessons${next.size ? `?${next}` : ''}`);
  };

  const act = async (what: () => Promise<unknown>, done?: string) => {
    status.replaceChildren();
    try {
      await what();
      if (done) status.replaceChildren(notice('ok', done));
    } catch (e) {
      status.replaceChildren(notice('error', errorText(e)));
    }
  };

  const card = (l: LessonView): HTMLElement => {
    const canWatch = l.status === 'ready';
    const poster = l.posterUrl
      ? h('img', { class: 'poster', src: l.posterUrl, alt: '', loading: 'lazy' })
      : h('div', { class: 'poster placeholder' }, l.subject);
    const actions: (HTMLElement | false)[] = [
      canWatch &&
        h('a', { class: 'button primary-link', href: `#/watch/${l.id}`, 'data-testid': 'watch' }, t('watch')),
      l.canReview &&
        l.status === 'ready' &&
        l.review !== 'approved' &&
        h(
          'button',
          {
            class: 'small ok',
            'data-testid': 'approve',
            onclick: () =>
              void act(
                () => lessonsApi.review(l.id, 'approved').then(refresh),
                t('approvedNotice', { title: l.title }),
              ),
          },
          t('approve'),
        ),
      l.canReview &&
        l.review !== 'rejected' &&
        h(
          'button',
          {
            class: 'small',
            'data-testid': 'reject',
            onclick: () => {
              const note = prompt(t('rejectReason'), '');
              if (note === null) return;
              void act(
                () => lessonsApi.review(l.id, 'rejected', note || undefined).then(refresh),
                t('rejectedNotice'),
              );
            },
          },
          t('reject'),
        ),
      l.canManage &&
        (l.status === 'processing' || l.status === 'uploaded') &&
        h(
          'button',
          { class: 'small', 'data-testid': 'cancel', onclick: () => void act(() => lessonsApi.cancel(l.id)) },
          t('cancelProcessing'),
        ),
      l.canManage &&
        l.status === 'failed' &&
        h(
          'button',
          {
            class: 'small',
            'data-testid': 'retry',
            onclick: () => void act(() => lessonsApi.retry(l.id).then(refresh)),
          },
          t('retryProcessing'),
        ),
      l.canManage &&
        h(
          'button',
          {
            class: 'small link danger',
            'data-testid': 'delete',
            onclick: () => {
              if (!confirm(t('confirmDelete', { title: l.title }))) return;
              void act(
                async () => {
                  await lessonsApi.remove(l.id);
                  cards.get(l.id)?.remove();
                  byId.delete(l.id);
                },
                t('deletedNotice', { title: l.title }),
              );
            },
          },
          t('delete'),
        ),
    ];
    return h(
      'article',
      {
        class: 'card lesson-card',
        'data-testid': 'lesson-card',
        'data-lesson-id': l.id,
        'data-status': l.status,
        'data-review': l.review,
      },
      canWatch
        ? h('a', { href: `#/watch/${l.id}`, class: 'poster-link', 'aria-label': l.title }, poster)
        : poster,
      h(
        'div',
        { class: 'lesson-body' },
        h('h3', {}, l.title),
        h(
          'p',
          { class: 'muted meta' },
          [gradeName(l.grade), l.subject, l.teacherName, l.durationSec ? clock(l.durationSec) : null]
            .filter(Boolean)
            .join(' · '),
        ),
        h('div', { class: 'badges' }, statusBadge(l)),
        (l.status === 'processing' || l.status === 'uploaded') && progressBar(l.progress),
        l.error &&
          h(
            'p',
            { class: `notice ${l.status === 'failed' ? 'error' : 'info'}`, 'data-testid': 'lesson-error' },
            l.error.message,
          ),
        l.review === 'rejected' &&
          l.reviewNote &&
          h('p', { class: 'hint' }, `${t('reviewNote')}: ${l.reviewNote}`),
        (l.canManage || l.canReview) &&
          h('p', { class: 'hint' }, `${t('uploadedAt')} ${dateTime(l.createdAt)} · ${l.source.filename}`),
        h('div', { class: 'actions' }, actions),
      ),
    );
  };

  const refresh = async () => {
    const { lessons: fresh } = await lessonsApi.list(filter);
    for (const l of fresh) {
      byId.set(l.id, l);
      const old = cards.get(l.id);
      const next = card(l);
      cards.set(l.id, next);
      if (old) old.replaceWith(next);
    }
  };

  // Live progress and status from socket.io: patch the card in place; a lesson that became ready is re-read (poster, links).
  const stop = listen('lesson:update', (u) => {
    const l = byId.get(u.id);
    if (!l) return;
    const becameReady = u.status === 'ready' && l.status !== 'ready';
    Object.assign(l, {
      status: u.status,
      review: u.review,
      progress: u.progress,
      error: u.error,
      durationSec: u.durationSec ?? undefined,
    });
    if (becameReady) void refresh();
    else {
      const next = card(l);
      cards.get(l.id)?.replaceWith(next);
      cards.set(l.id, next);
    }
  });
  onLeave(stop);

  const grades = me.role === 'student' || me.role === 'co_teacher' ? [] : info.grades;
  const search = h('input', {
    type: 'search',
    value: filter.q,
    placeholder: t('searchLessons'),
    'aria-label': t('searchLessons'),
    'data-testid': 'search',
  });
  const filters = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e: Event) => {
        e.preventDefault();
        setFilter({ q: search.value.trim() });
      },
    },
    grades.length > 0 &&
      h(
        'select',
        {
          'aria-label': t('grades'),
          'data-testid': 'grade-filter',
          onchange: (e: Event) => setFilter({ grade: (e.target as HTMLSelectElement).value }),
        },
        h('option', { value: '' }, t('allGrades')),
        grades.map((g) =>
          h('option', { value: g.number, selected: String(g.number) === filter.grade }, g.name),
        ),
      ),
    h(
      'select',
      {
        'aria-label': t('subjects'),
        'data-testid': 'subject-filter',
        onchange: (e: Event) => setFilter({ subject: (e.target as HTMLSelectElement).value }),
      },
      h('option', { value: '' }, t('allSubjects')),
      [...new Set([...subjects, filter.subject].filter(Boolean))].map((s) =>
        h('option', { value: s, selected: s === filter.subject }, s),
      ),
    ),
    search,
    h('button', { type: 'submit' }, t('search')),
  );

  const filtered = !!(filter.grade || filter.subject || filter.q);
  const list =
    lessons.length === 0
      ? h(
          'section',
          { class: 'card empty-state', 'data-testid': 'lessons-empty' },
          h(
            'p',
            {},
            filtered ? t('noLessonsMatch') : canUpload ? t('noLessonsTeacher') : t('noLessonsStudent'),
          ),
          filtered && h('button', { onclick: () => navigate('#/lessons') }, t('clearFilters')),
          !filtered &&
            canUpload &&
            h('a', { class: 'button primary-link', href: '#/upload' }, t('uploadLesson')),
        )
      : h(
          'div',
          { class: 'lesson-list' },
          lessons.map((l) => {
            const c = card(l);
            cards.set(l.id, c);
            return c;
          }),
        );

  return h(
    'div',
    {},
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, t('lessonsTitle')),
      canUpload &&
        h(
          'a',
          { class: 'button primary-link', href: '#/upload', 'data-testid': 'upload-link' },
          t('uploadLesson'),
        ),
    ),
    me.role === 'student' && h('p', { class: 'muted' }, t('lessonsStudentHint')),
    me.role === 'district_admin' && h('p', { class: 'muted' }, t('lessonsReviewHint')),
    me.role === 'school_admin' && h('p', { class: 'muted' }, t('lessonsSchoolAdminHint')),
    filters,
    status,
    list,
  );
}
