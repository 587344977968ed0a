/** The TV check-in box: the 4-digit code the grade channel shows, sent for a child (by the child or a parent). */
import { errorText } from './api.ts';
import { h, notice } from './dom.ts';
import { t } from './i18n.ts';

export function checkInForm(o: {
  send: (code: string) => Promise<{ title: string }>;
  /** A heading (the student's home card) or none (inside the parent's child card). */
  heading?: string;
  hint: string;
  /** data-testid prefix: `<p>`, `<p>-code`, `<p>-submit`. */
  testId: string;
}): HTMLElement {
  const code = h('input', {
    inputmode: 'numeric',
    pattern: '[0-9]{4}',
    maxlength: 4,
    required: true,
    autocomplete: 'off',
    class: 'code-input',
    'aria-label': t('checkin.code'),
    'data-testid': `${o.testId}-code`,
  });
  const status = h('div', { class: 'status-area', 'aria-live': 'polite' });
  return h(
    'form',
    {
      class: o.heading ? 'card form' : 'form',
      'data-testid': o.testId,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        try {
          const r = await o.send(code.value);
          status.replaceChildren(notice('ok', t('checkin.done', { title: r.title })));
          code.value = '';
        } catch (e) {
          status.replaceChildren(notice('error', errorText(e)));
        }
      },
    },
    o.heading ? h('h2', {}, o.heading) : '',
    h('p', { class: 'muted' }, o.hint),
    h(
      'p',
      {},
      code,
      ' ',
      h('button', { type: 'submit', 'data-testid': `${o.testId}-submit` }, t('checkin.submit')),
    ),
    status,
  );
}
