/** The channel guide (#/channels): each grade channel with what is on now and next, and the day's programme. */
import { call, type ApiUser } from '../api.ts';
import type { Programme } from '../../../contracts/channels.ts';
import { h } from '../dom.ts';
import { getLang, t } from '../i18n.ts';

type Prog = Programme;

const time = (iso: string, timeZone: string) =>
  new Date(iso).toLocaleTimeString(getLang(), { hour: '2-digit', minute: '2-digit', timeZone });

export async function renderChannels(me: ApiUser): Promise<HTMLElement> {
  const { channels, timeZone } = await call('GET /api/channels');
  const mine = new Set(me.grades ?? []);
  const sorted = [...channels].sort(
    (a, b) => Number(mine.has(b.grade)) - Number(mine.has(a.grade)) || a.grade - b.grade,
  );
  const line = (label: string, p: Prog | null, next: Prog | null = null) =>
    h(
      'p',
      { class: 'muted meta' },
      `${label}：`,
      p
        ? `${time(p.start, timeZone)}–${time(p.stop, timeZone)} ${p.title}`
        : label === t('guideNow') && next
          ? t('channelBreak')
          : t('guideNothing'),
      p && p.kind === 'live' ? h('span', { class: 'badge live-live' }, t('kindLive')) : '',
    );
  return h(
    'div',
    {},
    h('h1', {}, t('guideTitle')),
    h('p', { class: 'muted' }, t('guideHint')),
    h(
      'div',
      { class: 'lesson-list' },
      sorted.map((c) =>
        h(
          'article',
          { class: 'card live-card', 'data-testid': 'channel', 'data-channel': c.id },
          h('h3', {}, c.name),
          line(t('guideNow'), c.now, c.next),
          line(t('guideNext'), c.next),
          h(
            'a',
            { class: 'button primary-link', href: `#/channel/${c.id}`, 'data-testid': 'watch-channel' },
            t('guideWatch'),
          ),
          ' ',
          h(
            'a',
            {
              class: 'button',
              href: `/api/channels/${c.id}/epg`,
              onclick: (e: Event) => {
                e.preventDefault();
                location.hash = `#/timetable?grade=${c.grade}`;
              },
            },
            t('guideDay'),
          ),
        ),
      ),
    ),
    h('p', { class: 'hint' }, t('guideXmltv'), ' ', h('a', { href: '/api/epg.xml' }, '/api/epg.xml')),
  );
}
