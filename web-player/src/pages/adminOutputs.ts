/**
 * Head-end outputs (电视推流, #/admin/outputs, district admins): each grade
 * channel pushed as MPEG-TS to a cable/IPTV operator (udp:// or srt://), its
 * live state, since when, restarts and the last error; set an address or
 * stop. The page refreshes the states every 5 s while it is open.
 */
import { call, errorText, type ApiUser } from '../api.ts';
import { h, notice } from '../dom.ts';
import { dateTime } from '../format.ts';
import { t, type MessageKey } from '../i18n.ts';
import { onLeave } from '../router.ts';
import type { z } from 'zod';
import type * as ch from '../../../contracts/channels.ts';

type Row = z.infer<typeof ch.HeadEndList>['channels'][number];

function stateCell(r: Row): HTMLElement {
  const st = r.output?.status;
  if (!r.output) return h('span', { class: 'muted' }, t('outputs.none'));
  if (!st) return h('span', { class: 'badge' }, t('outputs.pending'));
  return h(
    'span',
    {},
    h(
      'span',
      { class: `badge output-${st.state}`, 'data-state': st.state },
      t(`outputs.state.${st.state}` as MessageKey),
    ),
    ' ',
    h('span', { class: 'muted small' }, t('outputs.since', { at: dateTime(st.since) })),
  );
}

export async function renderAdminOutputs(_me: ApiUser): Promise<HTMLElement> {
  const status = h('div', { 'aria-live': 'polite', class: 'status-area' });
  const body = h('tbody');
  const allowed = h('span', { class: 'mono' });
  const say = (kind: 'ok' | 'error', text: string) => status.replaceChildren(notice(kind, text));

  const row = (r: Row) => {
    const url = h('input', {
      placeholder: 'udp://239.1.1.3:5000',
      value: r.output?.url ?? '',
      'aria-label': t('outputs.url'),
      'data-testid': 'output-url',
    });
    const save = h('button', { class: 'primary small', 'data-testid': 'output-save' }, t('outputs.save'));
    save.addEventListener('click', async () => {
      try {
        await call('PUT /api/channels/:channel/output', {
          params: { channel: r.channel },
          body: { url: url.value },
        });
        say('ok', t('outputs.saved', { name: r.name }));
        await refresh(true);
      } catch (e) {
        say('error', errorText(e));
      }
    });
    const stop = h('button', { class: 'secondary small', 'data-testid': 'output-stop' }, t('outputs.stop'));
    stop.addEventListener('click', async () => {
      if (!confirm(t('outputs.stopConfirm', { name: r.name }))) return;
      try {
        await call('DELETE /api/channels/:channel/output', { params: { channel: r.channel } });
        say('ok', t('outputs.stopped', { name: r.name }));
        await refresh(true);
      } catch (e) {
        say('error', errorText(e));
      }
    });
    const st = r.output?.status;
    return h(
      'tr',
      { 'data-channel': r.channel },
      h('td', {}, h('a', { href: `#/channel/${r.channel}` }, r.name)),
      h('td', {}, url),
      h('td', { 'data-testid': 'output-state' }, stateCell(r)),
      h('td', {}, st ? String(st.restarts) : '—'),
      h('td', { class: 'small', 'data-testid': 'output-error' }, st?.error ?? '—'),
      h('td', {}, h('div', { class: 'actions' }, save, r.output ? stop : '')),
    );
  };

  let typing = false;
  /** Redraws the table; the timer's refresh waits while someone types an address (`force` after saving or stopping). */
  const refresh = async (force = false) => {
    const list = await call('GET /api/head-ends');
    allowed.textContent = list.allowed;
    if (force || !typing) {
      typing = false;
      body.replaceChildren(...list.channels.map(row));
    }
  };
  body.addEventListener('focusin', (e) => (typing = e.target instanceof HTMLInputElement));
  body.addEventListener('focusout', () => (typing = false));
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => undefined), 5_000);
  onLeave(() => clearInterval(timer));

  return h(
    'div',
    { 'data-testid': 'admin-outputs' },
    h('p', {}, h('a', { href: '#/admin' }, `← ${t('admin.title')}`)),
    h('h1', {}, t('outputs.title')),
    h('p', { class: 'muted' }, t('outputs.hint')),
    h('p', { class: 'muted small' }, t('outputs.allowed'), ' ', allowed),
    status,
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'outputs' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                t('outputs.channel'),
                t('outputs.url'),
                t('outputs.stateTitle'),
                t('outputs.restarts'),
                t('outputs.error'),
                '',
              ].map((x) => h('th', {}, x)),
            ),
          ),
          body,
        ),
      ),
    ),
  );
}
