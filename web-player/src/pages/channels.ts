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
  const line = (label: string, p: Prog | null, next: Prog | null = null, onAir?: string) =>
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
      // During a live slot: the backup lesson or the slate is on instead of the teacher (备份方案).
      onAir === 'backup' && p?.backup
        ? h(
            'span',
            { class: 'badge review-pending', 'data-testid': 'on-air-backup' },
            t('backupOnAir', { title: p.backup.title }),
          )
        : onAir === 'slate'
          ? h('span', { class: 'badge review-pending', 'data-testid': 'on-air-slate' }, t('slateOnAir'))
          : '',
      p?.backup && onAir !== 'backup'
        ? h(
            'span',
            { class: 'hint', 'data-testid': 'has-backup' },
            ' ',
            t('backupPlanned', { title: p.backup.title }),
          )
        : '',
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
          line(t('guideNow'), c.now, c.next, c.onAir),
          c.checkInCode
            ? h(
                'p',
                { class: 'checkin-code', 'data-testid': 'checkin-code' },
                `${t('checkin.code')}: `,
                h('strong', {}, c.checkInCode),
              )
            : '',
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
