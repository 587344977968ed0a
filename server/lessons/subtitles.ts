/**
 * A recorded lesson's subtitles (字幕): a teacher uploads a WebVTT or SRT
 * file per language; it is checked, converted to WebVTT and published as an
 * HLS subtitle rendition next to the lesson's HLS, and the lesson's master
 * playlist is rewritten to offer it (hls.js and native players show it).
 */
import crypto from 'node:crypto';
import type { Storage } from '../../core/storage/Storage.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { Lesson } from '../../recordings/catalogue/Lesson.ts';
import {
  MAX_SUBTITLE_BYTES,
  parseSubtitles,
  SubtitleError,
  subtitlePlaylist,
  toWebVtt,
  withSubtitles,
} from '../../core/hls/subtitles.ts';
import { AppError } from '../errors.ts';

export const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const NAMES: Record<string, string> = { 'zh-CN': '中文', zh: '中文', en: 'English' };

interface Deps {
  lessons: LessonStore;
  storage: Storage;
}

const prefixOf = (l: Lesson) => l.hlsPrefix ?? `vod/${l.id}`;

function decode(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('gb18030').decode(buf); // subtitle tools on Chinese Windows save GBK
  }
}

async function rewriteMaster(d: Deps, l: Lesson, subtitles: NonNullable<Lesson['subtitles']>): Promise<void> {
  const key = l.masterKey ?? `${prefixOf(l)}/master.m3u8`;
  const got = await d.storage.get(key);
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(c as Buffer);
  const master = withSubtitles(
    Buffer.concat(chunks).toString('utf8'),
    subtitles.map((s) => ({ language: s.language, name: s.name, uri: `subs/${s.language}.m3u8` })),
  );
  await d.storage.put(key, master, { cacheControl: 'public, max-age=60' });
}

/** Adds (or replaces) one language's subtitles; returns the lesson's subtitle list. */
export async function putSubtitles(d: Deps, l: Lesson, language: string, body: unknown, name?: string) {
  if (l.status !== 'ready' || !l.durationSec)
    throw new AppError('CONFLICT', 'Add subtitles once the lesson is ready (processing has finished).');
  if (!LANGUAGE.test(language))
    throw new AppError('VALIDATION_FAILED', `"${language}" is not a language tag; use zh-CN, en, …`);
  if (!Buffer.isBuffer(body) || body.length === 0)
    throw new AppError(
      'VALIDATION_FAILED',
      'Send the subtitle file as the request body (Content-Type: text/vtt, application/x-subrip or text/plain).',
    );
  if (body.length > MAX_SUBTITLE_BYTES)
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `A subtitle file may be at most ${MAX_SUBTITLE_BYTES / 1024} KB.`,
    );
  let cues;
  try {
    cues = parseSubtitles(decode(body));
  } catch (e) {
    if (e instanceof SubtitleError)
      throw new AppError('VALIDATION_FAILED', `These subtitles cannot be used: ${e.message}`);
    throw e;
  }
  const last = cues.at(-1)!;
  if (last.start > l.durationSec + 5)
    throw new AppError(
      'VALIDATION_FAILED',
      `These subtitles run to ${Math.round(last.start / 60)} min but the lesson lasts ${Math.round(l.durationSec / 60)} min: are they for another lesson?`,
    );
  const vtt = toWebVtt(cues);
  const file = `${language}-${crypto.createHash('sha1').update(vtt).digest('hex').slice(0, 8)}.vtt`;
  const prefix = `${prefixOf(l)}/subs`;
  await d.storage.put(`${prefix}/${file}`, vtt, { cacheControl: 'public, max-age=31536000, immutable' });
  await d.storage.put(`${prefix}/${language}.m3u8`, subtitlePlaylist(file, l.durationSec), {
    cacheControl: 'public, max-age=60',
  });
  const label = (name ?? '').trim().slice(0, 20) || NAMES[language] || language;
  const subtitles = [
    ...(l.subtitles ?? []).filter((s) => s.language !== language),
    { language, name: label, cues: cues.length },
  ];
  await rewriteMaster(d, l, subtitles);
  await d.lessons.update(l.id, { subtitles });
  return { subtitles };
}

/** Removes one language's subtitles from the master (the files go with the lesson). */
export async function deleteSubtitles(d: Deps, l: Lesson, language: string) {
  const subtitles = (l.subtitles ?? []).filter((s) => s.language !== language);
  if (subtitles.length === (l.subtitles ?? []).length)
    throw new AppError('NOT_FOUND', `This lesson has no ${language} subtitles.`);
  await rewriteMaster(d, l, subtitles);
  await d.lessons.update(l.id, { subtitles });
  return { subtitles };
}
