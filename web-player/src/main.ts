import './style.css';
import { api, ApiError, session, type ApiUser } from './api.ts';
import { h, notice } from './dom.ts';
import { getLang, setLang, t } from './i18n.ts';
import { renderLogin } from './pages/login.ts';
import { renderHome } from './pages/home.ts';
import { renderClass } from './pages/classPage.ts';

const root = document.getElementById('app')!;
let me: ApiUser | null = null;

export function navigate(hash: string): void {
  if (location.hash === hash) void route();
  else location.hash = hash;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'NETWORK') return t('offline');
    return e.message;
  }
  return String(e);
}

async function signOut(): Promise<void> {
  await api('POST', '/api/auth/logout').catch(() => undefined);
  session.set(null);
  me = null;
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

export async function route(): Promise<void> {
  const hash = location.hash || '#/';
  document.documentElement.lang = getLang();
  document.title = `${t('appName')} Skyclass`;
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
      me = (await api<{ user: ApiUser }>('GET', '/api/me')).user;
      root.replaceChildren(header(), main);
    }
    const m = /^#\/class\/([\w-]+)$/.exec(hash);
    const content = m ? await renderClass(me, m[1]!) : await renderHome(me);
    main.replaceChildren(content);
  } catch (e) {
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
void route();
