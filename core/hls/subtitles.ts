/**
 * Subtitles for recorded lessons, for students who cannot hear: a WebVTT or
 * SRT file becomes one WebVTT document, served as an HLS subtitle rendition
 * (RFC 8216 §4.3.4.1 EXT-X-MEDIA TYPE=SUBTITLES; one segment covering the
 * lesson, with X-TIMESTAMP-MAP so players line the cues up with fMP4 media).
 * Pure functions: the caller stores the results.
 */

export const SUBTITLE_GROUP = 'subs';
/** Subtitle files larger than this are refused (a lesson's subtitles are a few tens of KB). */
export const MAX_SUBTITLE_BYTES = 1024 * 1024;

export class SubtitleError extends Error {}

const TIME = /^(?:(\d{1,2}):)?(\d{2}):(\d{2})[.,](\d{3})$/;
function seconds(t: string): number {
  const m = TIME.exec(t.trim());
  if (!m) throw new SubtitleError(`"${t.trim()}" is not a cue time (use 00:01:02.500 or 00:01:02,500)`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}
function vttTime(s: number): string {
  const ms = Math.round(s * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sec = Math.floor((ms % 60_000) / 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(h)}:${p(m)}:${p(sec)}.${p(ms % 1000, 3)}`;
}

export interface Cue {
  start: number;
  end: number;
  text: string;
}

/**
 * Reads a subtitle file (WebVTT, or SRT as teachers export it from editing tools; UTF-8 with or
 * without BOM, CRLF or LF) into cues, or says what is wrong with which cue.
 */
export function parseSubtitles(raw: string): Cue[] {
  const text = raw
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .trim();
  if (!text) throw new SubtitleError('The subtitle file is empty.');
  const vtt = text.startsWith('WEBVTT');
  const blocks = text.split(/\n{2,}/);
  if (vtt) blocks.shift(); // the header block
  const cues: Cue[] = [];
  for (const [i, block] of blocks.entries()) {
    const lines = block.split('\n');
    if (vtt && /^(NOTE|STYLE|REGION)\b/.test(lines[0]!)) continue;
    const timing = lines.findIndex((l) => l.includes('-->'));
    if (timing < 0)
      throw new SubtitleError(
        `Cue ${i + 1} has no timing line ("00:00:01.000 --> 00:00:03.000"). Is this a WebVTT or SRT file?`,
      );
    const [a, rest] = lines[timing]!.split('-->') as [string, string];
    const b = rest.trim().split(/\s+/)[0]!;
    let start: number;
    let end: number;
    try {
      start = seconds(a);
      end = seconds(b);
    } catch (e) {
      throw new SubtitleError(`Cue ${i + 1}: ${(e as Error).message}.`);
    }
    if (end <= start) throw new SubtitleError(`Cue ${i + 1} ends before it starts (${a.trim()} --> ${b}).`);
    const body = lines
      .slice(timing + 1)
      .join('\n')
      .trim();
    if (body) cues.push({ start, end, text: body });
  }
  if (cues.length === 0) throw new SubtitleError('The subtitle file has no cues with text.');
  return cues.sort((x, y) => x.start - y.start);
}

/** One WebVTT document for HLS: cue times from the lesson's start (X-TIMESTAMP-MAP: media time 0). */
export function toWebVtt(cues: Cue[]): string {
  const out = ['WEBVTT', 'X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000', ''];
  for (const c of cues) out.push(`${vttTime(c.start)} --> ${vttTime(c.end)}`, c.text, '');
  return out.join('\n');
}

/** The subtitle rendition's media playlist: one WebVTT segment as long as the lesson. */
export function subtitlePlaylist(vttUri: string, durationSec: number): string {
  const d = Math.max(1, durationSec);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(d)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${d.toFixed(3)},`,
    vttUri,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

export interface SubtitleTrack {
  language: string;
  name: string;
  uri: string;
}

/**
 * The master playlist with these subtitle renditions (and nothing of any earlier ones): one
 * EXT-X-MEDIA per track in the SUBTITLES group, and every variant naming the group.
 */
export function withSubtitles(master: string, tracks: SubtitleTrack[]): string {
  const lines = master
    .replace(/\n$/, '')
    .split('\n')
    .filter((l) => !l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'))
    .map((l) => (l.startsWith('#EXT-X-STREAM-INF:') ? l.replace(/,SUBTITLES="[^"]*"/, '') : l));
  if (tracks.length === 0) return lines.join('\n') + '\n';
  const media = tracks.map(
    (t) =>
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLE_GROUP}",NAME="${t.name.replace(/"/g, "'")}",LANGUAGE="${t.language}",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="${t.uri}"`,
  );
  const firstVariant = lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF:'));
  const out = lines.map((l) =>
    l.startsWith('#EXT-X-STREAM-INF:') ? `${l},SUBTITLES="${SUBTITLE_GROUP}"` : l,
  );
  out.splice(firstVariant < 0 ? out.length : firstVariant, 0, ...media);
  return out.join('\n') + '\n';
}
