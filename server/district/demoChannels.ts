/**
 * Demo lessons and a demo timetable, so the channel guide has something on
 * at any hour: two 25-minute recorded lessons (drawn by ffmpeg, transcoded by
 * the real pipeline once, shared by every grade's catalogue entry), approved,
 * and for today and the next days every grade channel gets 25-minute lessons
 * with 15-minute breaks around the clock — checked by the rule engine.
 * Idempotent: media and lessons are made once; days that already have a
 * timetable are left alone.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Core } from '../Core.ts';
import { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { Lesson } from '../../recordings/catalogue/Lesson.ts';
import { transcodeLesson, type TranscodeResult } from '../../recordings/transcode/transcodeLesson.ts';
import { runTool } from '../../core/ffmpeg/runTool.ts';
import { findCjkFont } from '../channels/SlateService.ts';
import { filterPath } from '../../media/channel/slate.ts';
import { TimetableStore } from '../timetable/TimetableStore.ts';
import { checkDay, dailyLessonLimit } from '../timetable/rules.ts';
import { levelOfGrade } from './model.ts';
import type { Slot } from '../timetable/model.ts';
import { localDate } from '../timetable/epg.ts';
import { newSlotId } from '../timetable/timetableCsv.ts';

export const DEMO_LESSON_MINUTES = 25;
const BREAK_MINUTES = 15;
const K = { media: 'sc:demo:media', lessons: 'sc:demo:lessons' };

const SUBJECTS = [
  { key: 'math', subject: '数学', title: '分数的初步认识', color: '0x1f4e79', tone: 330 },
  { key: 'chinese', subject: '语文', title: '古诗两首', color: '0x5b2c6f', tone: 262 },
] as const;

interface DemoMedia {
  hlsPrefix: string;
  masterKey: string;
  posterKey: string;
  durationSec: number;
  renditions: TranscodeResult['renditions'];
}

const hhmm = (min: number) =>
  `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;

/** A drawn lesson: title, subject, a running lesson clock, a soft tone. */
async function makeClip(file: string, s: (typeof SUBJECTS)[number], seconds: number, ffmpeg: string) {
  const dir = path.dirname(file);
  const font = filterPath(findCjkFont());
  await fsp.writeFile(path.join(dir, `${s.key}.title.txt`), `空中课堂 演示课 · ${s.subject}`);
  await fsp.writeFile(path.join(dir, `${s.key}.sub.txt`), `《${s.title}》 Skyclass demo lesson`);
  const text = (f: string, size: number, y: string) =>
    `drawtext=fontfile='${font}':textfile='${filterPath(path.join(dir, f))}':fontsize=${size}:fontcolor=white:x=(w-text_w)/2:y=${y}`;
  const vf = [
    `color=c=${s.color}:s=640x360:r=15:d=${seconds}`,
    'format=yuv420p',
    text(`${s.key}.title.txt`, 34, '90'),
    text(`${s.key}.sub.txt`, 22, '140'),
    `drawtext=fontfile='${font}':text='%{pts\\:hms}':fontsize=44:fontcolor=0xf4a261:x=(w-text_w)/2:y=210`,
    `drawtext=fontfile='${font}':text='●':fontsize=26:fontcolor=white:x='40+(560-text_w)*mod(t\\,10)/10':y=290`,
  ].join(',');
  const r = await runTool(
    ffmpeg,
    [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      vf,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${s.tone}:sample_rate=48000,volume=0.05`,
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '30',
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-shortest',
      file,
    ],
    { timeoutMs: 600_000 },
  );
  if (r.code !== 0) throw new Error(`could not draw the demo lesson: ${r.stderr.slice(-300)}`);
}

export async function seedDemoChannels(
  core: Core,
  o: { days?: number; onProgress?: (line: string) => void } = {},
): Promise<{ lessons: number; days: number }> {
  const redis = core.redis.redis;
  const say = o.onProgress ?? (() => undefined);
  const ffmpeg = core.config.FFMPEG_BIN;
  const media: Record<string, DemoMedia> = JSON.parse((await redis.get(K.media)) ?? '{}');
  for (const [i, s] of SUBJECTS.entries()) {
    if (media[s.key]) continue;
    const work = path.join(core.config.dataDir, 'work', 'demo');
    await fsp.mkdir(work, { recursive: true });
    const clip = path.join(work, `${s.key}.mp4`);
    say(`Drawing demo lesson ${i + 1}/${SUBJECTS.length} (${s.subject}, ${DEMO_LESSON_MINUTES} min)…`);
    await makeClip(clip, s, DEMO_LESSON_MINUTES * 60, ffmpeg);
    const id = LessonStore.newId();
    let last = -10;
    const res = await transcodeLesson({
      lessonId: id,
      source: clip,
      storage: core.storage,
      workDir: path.join(work, id),
      logger: core.logger,
      maxDurationSec: 3600,
      ffmpeg,
      ffprobe: core.config.FFPROBE_BIN,
      onProgress: (p) => {
        if (p.percent >= last + 10 || p.stage === 'done') {
          last = p.percent;
          say(`Transcoding demo lesson ${i + 1}/${SUBJECTS.length}: ${p.stage} ${Math.round(p.percent)}%`);
        }
      },
    });
    media[s.key] = {
      hlsPrefix: `vod/${id}`,
      masterKey: res.masterKey,
      posterKey: res.posterKey,
      durationSec: res.durationSec,
      renditions: res.renditions,
    };
    await redis.set(K.media, JSON.stringify(media));
    await fsp.rm(work, { recursive: true, force: true });
  }

  // One approved catalogue entry per grade and subject, all sharing the transcoded media.
  const grades = (await core.store.listGrades()).map((g) => g.number);
  const ids: Record<string, string> = await redis.hgetall(K.lessons);
  const lead = new Map(
    (await core.store.listByRole('lead_teacher')).flatMap((u) =>
      (u.grades ?? []).map((g) => [g, u] as const),
    ),
  );
  for (const g of grades) {
    for (const s of SUBJECTS) {
      const k = `${g}:${s.key}`;
      if (ids[k] && (await core.lessons.get(ids[k]))) continue;
      const m = media[s.key]!;
      const now = new Date().toISOString();
      const teacher = lead.get(g);
      const l: Lesson = {
        id: LessonStore.newId(),
        title: `${s.title}（演示）`,
        grade: g,
        subject: s.subject,
        teacherId: teacher?.id ?? 'demo',
        teacherName: teacher?.displayName ?? '演示老师',
        status: 'ready',
        review: 'approved',
        reviewedBy: 'demo',
        reviewedAt: now,
        durationSec: m.durationSec,
        source: { key: `${m.hlsPrefix}/master.m3u8`, filename: `${s.key}.mp4`, size: 0 },
        masterKey: m.masterKey,
        hlsPrefix: m.hlsPrefix,
        posterKey: m.posterKey,
        renditions: m.renditions,
        createdAt: now,
        updatedAt: now,
        readyAt: now,
      };
      await core.lessons.create(l);
      ids[k] = l.id;
      await redis.hset(K.lessons, k, l.id);
    }
  }

  // Around the clock, so whoever opens the guide sees a lesson or a break: 25 min on, 15 min off.
  // That is far more than a day's screen time allows: the lessons beyond the level's daily total carry
  // a recorded override saying so (a real timetable would be refused), and the guide shows it.
  const timetable = new TimetableStore(redis);
  const rules = await timetable.rules();
  const tz = core.config.TIMEZONE;
  let published = 0;
  for (let d = 0; d < (o.days ?? 3); d++) {
    const date = localDate(tz, Date.now() + d * 86_400_000);
    for (const g of grades) {
      if ((await timetable.day(g, date)).length) continue;
      const slots: Slot[] = [];
      const cap = dailyLessonLimit(rules, levelOfGrade(g));
      const at = new Date().toISOString();
      for (
        let k = 0, start = 0;
        start + DEMO_LESSON_MINUTES <= 24 * 60 - 1;
        k++, start += DEMO_LESSON_MINUTES + BREAK_MINUTES
      ) {
        const s = SUBJECTS[k % SUBJECTS.length]!;
        slots.push({
          id: newSlotId(),
          grade: g,
          date,
          start: hhmm(start),
          end: hhmm(start + DEMO_LESSON_MINUTES),
          subject: s.subject,
          title: s.title,
          source: { kind: 'recorded', lessonId: ids[`${g}:${s.key}`]! },
          ...((k + 1) * DEMO_LESSON_MINUTES > cap
            ? {
                override: {
                  reason: `演示课表全天循环播放，超出每天 ${cap} 分钟的课时上限 · demo: around the clock, beyond the daily ${cap} min`,
                  by: 'demo',
                  at,
                },
              }
            : {}),
        });
      }
      const violations = checkDay({
        slots,
        rules,
        lesson: () => ({
          grade: g,
          ready: true,
          approved: true,
          durationSec: DEMO_LESSON_MINUTES * 60,
          title: 'demo',
        }),
      });
      if (violations.length)
        throw new Error(`the demo timetable breaks a rule: ${violations[0]!.message.en}`);
      await timetable.publish([{ grade: g, date, slots }], 'demo');
      published++;
    }
  }
  return { lessons: Object.keys(ids).length, days: published };
}
