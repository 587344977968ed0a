import './style.css';
import { call, ApiError, errorText, session, type ApiUser } from './api.ts';
import { leave, navigate } from './router.ts';
import { h, notice } from './dom.ts';
import { getLang, setLang, t } from './i18n.ts';
import { renderLogin } from './pages/login.ts';
import { renderHome } from './pages/home.ts';
import { renderClass } from './pages/classPage.ts';
import { renderLessons } from './pages/lessons.ts';
import { renderUpload } from './pages/upload.ts';
import { renderWatch } from './pages/watch.ts';
import { closeRealtime, SESSION_ENDED_EVENT } from './realtime.ts';
import { renderLiveList } from './pages/live.ts';
import { renderStudio } from './pages/studio.ts';
import { renderLiveWatch } from './pages/liveWatch.ts';
import { renderTimetable } from './pages/timetable.ts';
import { renderChannels } from './pages/channels.ts';
import { renderChannelWatch } from './pages/channelWatch.ts';
import { renderClassDashboard } from './pages/classDashboard.ts';
import { renderClassRoom } from './pages/classRoom.ts';
import { renderWorkload } from './pages/workload.ts';
import { renderDuty } from './pages/duty.ts';
import { renderClassHomework, renderHomework, renderHomeworkItem } from './pages/homework.ts';
import { renderFamily, renderJoin } from './pages/family.ts';
import { renderAdmin } from './pages/admin.ts';
import { renderAdminRules } from './pages/adminRules.ts';
import { renderSupervision } from './pages/supervision.ts';
import { renderAdminPeople } from './pages/adminPeople.ts';
import { renderAdminOutputs } from './pages/adminOutputs.ts';
import { renderChildWeek, renderClassWeek } from './pages/classWeek.ts';
import { renderClassParents, renderInvites } from './pages/classParents.ts';
import { keepHlsAccess, stopHlsAccess } from './hlsAccess.ts';

const root = document.getElementById('app')!;
let me: ApiUser | null = null;
async function signOut(): Promise<void> {
  await call('POST /api/auth/logout').catch(() => undefined);
  session.set(null);
  me = null;
  stopHlsAccess();
  closeRealtime();
  navigate('#/login');
}

function header(): HTMLElement {
  return h(
    'header',
    { class: 'topbar' },
    h(
      'a',
      { class: 'brand', href: '#/' },
      h('img', { src: '/favicon.svg', alt: '', width: 28, height: 28 }),
      t('appName'),
    ),
    h(
      'nav',
      {},
      me &&
        me.role !== 'parent' &&
        h('a', { href: '#/timetable', 'data-testid': 'nav-timetable' }, t('timetableNav')),
      me && me.role !== 'parent' && h('a', { href: '#/live', 'data-testid': 'nav-live' }, t('liveNav')),
      me &&
        me.role !== 'parent' &&
        h('a', { href: '#/lessons', 'data-testid': 'nav-lessons' }, t('lessonsNav')),
      me?.role === 'parent' && h('a', { href: '#/family', 'data-testid': 'nav-family' }, t('fam.title')),
      me && h('a', { href: '#/channels', 'data-testid': 'nav-channels' }, t('channelsNav')),
      me &&
        (me.role === 'district_admin' || me.role === 'school_admin') &&
        h('a', { href: '#/admin', 'data-testid': 'nav-admin' }, t('admin.title')),
      me &&
        (me.role === 'student' || me.role === 'co_teacher') &&
        h('a', { href: '#/homework', 'data-testid': 'nav-homework' }, t('hwNav')),
      me && h('span', { class: 'who', 'data-testid': 'who' }, `${me.displayName} · ${t(`role.${me.role}`)}`),
      h(
        'button',
        {
          class: 'link',
          'data-testid': 'lang',
          onclick: () => {
            setLang(getLang() === 'en' ? 'zh-CN' : 'en');
            void route();
          },
        },
        t('language'),
      ),
      me &&
        h('button', { class: 'link', 'data-testid': 'signout', onclick: () => void signOut() }, t('signOut')),
    ),
  );
}

/** Each navigation's number: a page that finishes loading after the user moved on is dropped. */
let navigation = 0;

export async function route(): Promise<void> {
  const nav = ++navigation;
  const stale = () => nav !== navigation;
  leave();
  const full = location.hash || '#/';
  const q = full.indexOf('?');
  const hash = q >= 0 ? full.slice(0, q) : full;
  const query = new URLSearchParams(q >= 0 ? full.slice(q + 1) : '');
  document.documentElement.lang = getLang();
  document.title = `${t('appName')} Skyclass`;
  if (hash === '#/join') {
    me = null;
    root.replaceChildren(
      header(),
      renderJoin(() => navigate('#/')),
    );
    return;
  }
  if (!session.token && hash !== '#/login') return navigate('#/login');
  const main = h('main', { class: 'page' }, h('p', { class: 'muted' }, t('loading')));
  root.replaceChildren(header(), main);
  try {
    if (hash === '#/login') {
      me = null;
      root.replaceChildren(
        header(),
        renderLogin(() => navigate('#/')),
      );
      return;
    }
    if (!me) {
      me = (await call('GET /api/me')).user;
      await keepHlsAccess();
      if (stale()) return;
      root.replaceChildren(header(), main);
    }
    const cls = /^#\/class\/([\w-]+)$/.exec(hash);
    const dashboard = /^#\/class\/([\w-]+)\/dashboard$/.exec(hash);
    const room = /^#\/class\/([\w-]+)\/room$/.exec(hash);
    const classHomework = /^#\/class\/([\w-]+)\/homework$/.exec(hash);
    const homeworkItem = /^#\/homework\/([\w-]+)$/.exec(hash);
    const parents = /^#\/class\/([\w-]+)\/parents$/.exec(hash);
    const week = /^#\/class\/([\w-]+)\/week$/.exec(hash);
    const childWeek = /^#\/family\/([\w-]+)\/week$/.exec(hash);
    const invites = /^#\/class\/([\w-]+)\/invites$/.exec(hash);
    const watch = /^#\/watch\/([\w-]+)$/.exec(hash);
    const studio = /^#\/studio\/([\w-]+)$/.exec(hash);
    const liveWatch = /^#\/live\/([\w-]+)$/.exec(hash);
    const channel = /^#\/channel\/(grade-\d{1,2})$/.exec(hash);
    let content: HTMLElement;
    if (dashboard) content = await renderClassDashboard(me, dashboard[1]!);
    else if (room) content = await renderClassRoom(me, room[1]!);
    else if (classHomework) content = await renderClassHomework(me, classHomework[1]!);
    else if (homeworkItem) content = await renderHomeworkItem(me, homeworkItem[1]!);
    else if (hash === '#/homework') content = await renderHomework(me);
    else if (hash === '#/family') content = await renderFamily(me);
    else if (hash === '#/admin') content = renderAdmin(me);
    else if (hash === '#/admin/rules') content = await renderAdminRules(me);
    else if (hash === '#/admin/supervision') content = await renderSupervision(me, query);
    else if (hash === '#/admin/people') content = await renderAdminPeople(me, query);
    else if (hash === '#/admin/outputs') content = await renderAdminOutputs(me);
    else if (parents) content = await renderClassParents(me, parents[1]!);
    else if (week) content = await renderClassWeek(me, week[1]!, query);
    else if (childWeek) content = await renderChildWeek(me, childWeek[1]!, query);
    else if (invites) content = await renderInvites(me, invites[1]!);
    else if (cls) content = await renderClass(me, cls[1]!);
    else if (watch) content = await renderWatch(me, watch[1]!);
    else if (studio) content = await renderStudio(me, studio[1]!);
    else if (liveWatch) content = await renderLiveWatch(me, liveWatch[1]!, query);
    else if (hash === '#/live') content = await renderLiveList(me);
    else if (hash === '#/timetable') content = await renderTimetable(me, query);
    else if (channel) content = await renderChannelWatch(me, channel[1]!);
    else if (hash === '#/channels') content = await renderChannels(me);
    else if (hash === '#/workload') content = await renderWorkload(me);
    else if (hash === '#/duty') content = await renderDuty(me);
    else if (hash === '#/lessons') content = await renderLessons(me, query);
    else if (hash === '#/upload') content = await renderUpload(me, query);
    else if (hash === '#/' || hash === '#') content = await renderHome(me);
    else throw new ApiError(404, 'NOT_FOUND', t('notFound'));
    if (stale()) return;
    main.replaceChildren(content);
  } catch (e) {
    if (stale()) return;
    if (e instanceof ApiError && e.status === 401) {
      session.set(null);
      me = null;
      root.replaceChildren(
        header(),
        renderLogin(() => navigate('#/'), t('sessionEnded')),
      );
      return;
    }
    main.replaceChildren(
      notice(
        'error',
        e instanceof ApiError && e.status === 403 ? `${t('notAllowed')} ${errorText(e)}` : errorText(e),
      ),
      h(
        'p',
        {},
        h('a', { href: '#/' }, t('back')),
        ' · ',
        h('button', { class: 'link', onclick: () => void route() }, t('retry')),
      ),
    );
  }
}

window.addEventListener('hashchange', () => void route());
window.addEventListener(SESSION_ENDED_EVENT, () => {
  if (!session.token) return;
  leave();
  session.set(null);
  me = null;
  stopHlsAccess();
  closeRealtime();
  root.replaceChildren(
    header(),
    renderLogin(() => navigate('#/'), t('sessionEnded')),
  );
});
void route();
