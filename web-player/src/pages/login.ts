import { call, session } from '../api.ts';
import { h, notice } from '../dom.ts';
import { t } from '../i18n.ts';
import { errorText } from '../api.ts';

export function renderLogin(onDone: () => void, message?: string): HTMLElement {
  const username = h('input', {
    name: 'username',
    autocomplete: 'username',
    required: true,
    autocapitalize: 'none',
    'data-testid': 'username',
  });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'password',
  });
  const status = h('div', {}, message ? notice('info', message) : null);
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'login' }, t('signIn'));
  const form = h(
    'form',
    {
      class: 'card login',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        button.disabled = true;
        button.textContent = t('signingIn');
        try {
          const res = await call('POST /api/auth/login', {
            body: { username: username.value, password: password.value },
          });
          session.set(res.token);
          onDone();
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
          password.select();
        } finally {
          button.disabled = false;
          button.textContent = t('signIn');
        }
      },
    },
    h('h1', {}, t('appName')),
    h('p', { class: 'muted' }, t('tagline')),
    h('label', {}, t('username'), username),
    h('label', {}, t('password'), password),
    status,
    button,
    h('p', { class: 'hint' }, t('demoHint')),
    h('p', {}, h('a', { href: '#/join', 'data-testid': 'join-link' }, t('join.link'))),
  );
  return h('main', { class: 'page narrow' }, form);
}
