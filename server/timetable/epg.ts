/**
 * The programme guide of the grade channels: now/next and a day's
 * programme in JSON, and XMLTV (what IPTV boxes, Kodi and Jellyfin read).
 * Slot times are local to the district's time zone.
 */
import type { Slot } from './model.ts';
import { slotLabel } from './rules.ts';
import { gradeNameZh } from '../district/model.ts';

export const channelId = (grade: number) => `grade-${grade}`;
export const channelName = (grade: number) => `${gradeNameZh(grade)} 空中课堂`;

// Building an Intl.DateTimeFormat is slow; channel playlists ask for dates on every request.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The district's local date (YYYY-MM-DD) at an instant. */
export function localDate(timeZone: string, at: number | Date = Date.now()): string {
  let f = dateFormats.get(timeZone);
  if (!f) dateFormats.set(timeZone, (f = new Intl.DateTimeFormat('en-CA', { timeZone })));
  return f.format(new Date(at));
}

/** The date `n` days after `date` (before it when `n` is negative), YYYY-MM-DD. */
export function shiftDate(date: string, n: number): string {
  return new Date(Date.parse(`${date}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** How many dates from `from` to `to`, both included (0 or less when `to` comes before `from`). */
export function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / 86_400_000) + 1;
}

/** The dates from `from`, `days` of them (YYYY-MM-DD). */
export function datesFrom(from: string, days: number): string[] {
  return Array.from({ length: days }, (_, i) => shiftDate(from, i));
}

/** The UTC offset of a time zone at an instant, e.g. "+0800". */
export function utcOffset(timeZone: string, at = new Date()): string {
  let f = offsetFormats.get(timeZone);
  if (!f)
    offsetFormats.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })),
    );
  const name = f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? `${m[1]}${m[2]}${m[3]}` : '+0000';
}

/** The instant a local date + HH:MM (or HH:MM:SS) means in the time zone. */
export function slotInstant(date: string, hhmm: string, timeZone: string): Date {
  const guess = new Date(`${date}T${hhmm.length === 5 ? `${hhmm}:00` : hhmm}Z`);
  const off = utcOffset(timeZone, guess);
  const sign = off.startsWith('-') ? -1 : 1;
  const mins = sign * (Number(off.slice(1, 3)) * 60 + Number(off.slice(3, 5)));
  return new Date(guess.getTime() - mins * 60_000);
}

export interface Programme {
  channel: string;
  slotId: string;
  start: string;
  stop: string;
  title: string;
  subject: string;
  kind: 'live' | 'recorded';
  label: string;
  backup?: { lessonId: string; title: string };
}

/** The slots as programmes; `titles` names the live slots' backup lessons (lesson id → title). */
export function programmes(slots: Slot[], timeZone: string, titles = new Map<string, string>()): Programme[] {
  return slots
    .map((s) => ({
      channel: channelId(s.grade),
      slotId: s.id,
      start: slotInstant(s.date, s.start, timeZone).toISOString(),
      stop: slotInstant(s.date, s.end, timeZone).toISOString(),
      title: s.title ? `${s.subject}：${s.title}` : s.subject,
      subject: s.subject,
      kind: s.source.kind,
      label: slotLabel(s),
      ...(s.source.kind === 'live' && s.source.backupLessonId
        ? {
            backup: {
              lessonId: s.source.backupLessonId,
              title: titles.get(s.source.backupLessonId) ?? s.source.backupLessonId,
            },
          }
        : {}),
    }))
    .sort((a, b) => a.start.localeCompare(b.start));
}

/** What is on now and next on a channel, at an instant. */
export function nowNext(list: Programme[], at: Date): { now: Programme | null; next: Programme | null } {
  const t = at.toISOString();
  const now = list.find((p) => p.start <= t && t < p.stop) ?? null;
  const next = list.find((p) => p.start > t) ?? null;
  return { now, next };
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** XMLTV time: "YYYYMMDDhhmmss +hhmm" in the district's zone. */
export function xmltvTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  const off = utcOffset(timeZone, d);
  const sign = off.startsWith('-') ? -1 : 1;
  const local = new Date(
    d.getTime() + sign * (Number(off.slice(1, 3)) * 60 + Number(off.slice(3, 5))) * 60_000,
  );
  const p = (n: number) => String(n).padStart(2, '0');
  return `${local.getUTCFullYear()}${p(local.getUTCMonth() + 1)}${p(local.getUTCDate())}${p(local.getUTCHours())}${p(local.getUTCMinutes())}${p(local.getUTCSeconds())} ${off}`;
}

export function toXmltv(grades: number[], list: Programme[], timeZone: string, baseUrl: string): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE tv SYSTEM "xmltv.dtd">',
    `<tv generator-info-name="Skyclass" source-info-name="Skyclass 空中课堂" source-info-url="${esc(baseUrl)}">`,
  ];
  // The DTD wants every <channel> before the first <programme>.
  for (const g of grades) {
    lines.push(
      `  <channel id="${channelId(g)}.skyclass">`,
      `    <display-name lang="zh">${esc(channelName(g))}</display-name>`,
      `    <display-name lang="en">Skyclass grade ${g}</display-name>`,
      '  </channel>',
    );
  }
  for (const p of list) {
    lines.push(
      `  <programme start="${xmltvTime(p.start, timeZone)}" stop="${xmltvTime(p.stop, timeZone)}" channel="${p.channel}.skyclass">`,
      `    <title lang="zh">${esc(p.title)}</title>`,
      `    <desc lang="zh">${esc(
        p.kind === 'live'
          ? `直播：${p.label}${p.backup ? `（如直播未开始或中断，播出备份课《${p.backup.title}》）` : ''}`
          : `录播：${p.label}`,
      )}</desc>`,
      `    <category lang="zh">${esc(p.subject)}</category>`,
      `    <category lang="en">Education</category>`,
      '  </programme>',
    );
  }
  lines.push('</tv>');
  return lines.join('\n') + '\n';
}
