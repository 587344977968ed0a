/**
 * The duty console (#/duty, 值班监控台) for district admins: alerts first,
 * then every channel's state, the live lessons (viewers, media node, age of
 * the last media), the media nodes' load, the transcode queue and the error
 * rate. Refreshed every 5 s while the page is open.
 */
import { call, errorText, type ApiUser } from '../api.ts';
import type { DutySnapshot } from '../../../contracts/duty.ts';
import { h, notice } from '../dom.ts';
import { getLang, t } from '../i18n.ts';
import { onLeave } from '../router.ts';

const REFRESH_MS = 5000;
const time = (iso: string) =>
  new Date(iso).toLocaleTimeString(getLang(), { hour: '2-digit', minute: '2-digit' });

function table(testid: string, head: string[], rows: (string | number | HTMLElement)[][], empty: string) {
  if (rows.length === 0) return h('p', { class: 'muted', 'data-testid': `${testid}-empty` }, empty);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': testid },
      h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
    ),
  );
}

function render(s: DutySnapshot): HTMLElement[] {
  const zh = getLang() === 'zh-CN';
  const badge = (state: string) =>
    h('span', { class: `badge state-${state}`, 'data-state': state }, t(`duty_${state}` as 'duty_live'));
  const alerts = s.alerts.length
    ? h(
        'ul',
        { class: 'alerts', 'data-testid': 'duty-alerts' },
        ...s.alerts.map((a) =>
          h(
            'li',
            { class: `notice ${a.level === 'critical' ? 'error' : 'warn'}`, 'data-code': a.code },
            h('strong', {}, a.level === 'critical' ? t('dutyCritical') : t('dutyWarning')),
            ' ',
            zh ? a.message : a.messageEn,
            a.since ? h('span', { class: 'muted' }, ` (${t('dutySince')} ${time(a.since)})`) : '',
          ),
        ),
      )
    : h('p', { class: 'notice ok', 'data-testid': 'duty-all-clear' }, t('dutyAllClear'));
  return [
    alerts,
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('dutyChannels')),
      table(
        'duty-channels',
        [t('dutyChannel'), t('dutyState'), t('dutyNow'), t('dutyOutput')],
        s.channels.map((c) => [
          c.name,
          badge(c.state),
          c.now ? `${time(c.now.start)}–${time(c.now.stop)} ${c.now.title}` : '—',
          c.output
            ? `${t(`duty_out_${c.output.state}` as 'duty_out_running')}${c.output.restarts ? ` · ${t('dutyRestarts', { n: c.output.restarts })}` : ''}${c.output.error ? ` · ${c.output.error}` : ''}`
            : '—',
        ]),
        t('dutyNoChannels'),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('dutyLive')),
      table(
        'duty-live',
        [
          t('dutyLesson'),
          t('grade'),
          t('teacher'),
          t('dutyState'),
          t('dutyViewers'),
          t('dutyNode'),
          t('dutyMediaAge'),
        ],
        s.live.map((l) => [
          l.title,
          String(l.grade),
          l.teacherName,
          badge(
            l.status === 'live'
              ? l.mediaAgeSec !== null && l.mediaAgeSec <= 10
                ? 'live'
                : 'slate'
              : 'break',
          ),
          String(l.viewers),
          l.node ?? '—',
          l.mediaAgeSec === null ? t('dutyNoMediaYet') : `${l.mediaAgeSec} s`,
        ]),
        t('dutyNoLive'),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('dutyNodes')),
      table(
        'duty-nodes',
        [t('dutyNode'), t('dutyLoad'), t('dutyUp')],
        s.nodes.map((n) => [n.id, `${n.load} / ${n.maxLoad}`, time(n.startedAt)]),
        t('dutyNoNodes'),
      ),
    ),
    h(
      'section',
      { class: 'stats', 'data-testid': 'duty-queue' },
      ...['waiting', 'active', 'failed', 'completed'].map((k) =>
        h(
          'div',
          { class: 'stat' },
          h('strong', {}, String(s.transcodes[k] ?? 0)),
          t(`duty_q_${k}` as 'duty_q_waiting'),
        ),
      ),
      h(
        'div',
        { class: 'stat', 'data-testid': 'duty-errors' },
        h('strong', {}, `${(s.requests.errorRate * 100).toFixed(1)}%`),
        t('dutyErrorRate', { n: s.requests.total }),
      ),
    ),
    h('p', { class: 'muted', 'data-testid': 'duty-updated' }, t('dutyUpdated', { at: time(s.at) })),
  ];
}

export async function renderDuty(_me: ApiUser): Promise<HTMLElement> {
  const body = h('div', { 'aria-live': 'polite' });
  const page = h('div', {}, h('h1', {}, t('dutyTitle')), h('p', { class: 'muted' }, t('dutyHint')), body);
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = async () => {
    try {
      body.replaceChildren(...render(await call('GET /api/duty')));
    } catch (e) {
      body.prepend(notice('error', errorText(e)));
    }
    if (!stopped) timer = setTimeout(() => void refresh(), REFRESH_MS);
  };
  onLeave(() => {
    stopped = true;
    clearTimeout(timer);
  });
  await refresh();
  return page;
}
