/**
 * The origin of `npm run bench:delivery` (and of the edge test), in its own
 * process so its CPU is measured alone: the whole Skyclass service (express,
 * the HLS routes and their access gate, embedded Redis, local storage, SFU off)
 * with
 *   - a replay: one clip transcoded by the real ladder, approved for grade 3;
 *   - grade 3's channel: today's timetable of that lesson in 60 s slots for the
 *     next two hours (the channel playlists are stitched per request);
 *   - a live lesson of grade 3 whose live HLS is written into storage the way
 *     media/live/LiveHls writes it (a sliding window of fMP4 segments and a
 *     playlist rewritten at each new segment, media sequence and discontinuity
 *     sequence kept). The segments are the replay's, copied under new names: the
 *     delivery path is what is measured here, not the encoder (bench:live);
 *   - N students of a grade-3 class, each with an open session (no password
 *     flood: sessions are created directly; bench:auth measures sign-in).
 * Prints "READY {json}" with the address, ids and a file of session tokens.
 *   usage: node --import tsx bench/deliveryServer.ts <dataDir> <clip> <students>
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startService } from '../server/Service.ts';
import { seedDemo } from '../server/district/seedDemo.ts';
import { LessonStore } from '../recordings/catalogue/LessonStore.ts';
import { LiveStore } from '../server/live/LiveStore.ts';
import type { Slot } from '../server/timetable/model.ts';
import { TimetableStore } from '../server/timetable/TimetableStore.ts';
import { localDate } from '../server/timetable/epg.ts';
import { newSlotId } from '../server/timetable/timetableCsv.ts';
import type { Storage } from '../core/storage/Storage.ts';
import { localClock, publishBenchLesson, transcodeBenchClip } from './benchLesson.ts';

const [dataDir, clip, n] = process.argv.slice(2);
const STUDENTS = Number(n ?? 1000);
const logger = createLogger(process.env.LOG_LEVEL ?? 'error');
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: process.env.PORT ?? '0',
  HOST: '127.0.0.1',
  SFU: 'off',
  TIMEZONE: 'Asia/Shanghai',
  PASSWORD_HASH_COST: '10',
  WEB_DIST_DIR: path.resolve('web-player/dist'),
  TRUST_PROXY: 'true',
});
const svc = await startService(config, logger);
const { core } = svc;
await seedDemo(core.store, { passwordCost: 10, studentsPerClass: 1 });
const cls = (await core.store.listClasses()).find((c) => c.grade === 3)!;

// Students with open sessions.
const tokens: string[] = [];
for (let i = 0; i < STUDENTS; i++) {
  const u = await core.store.createUser({
    username: `bench-s${String(i).padStart(5, '0')}`,
    displayName: `学生${i}`,
    role: 'student',
    passwordHash: '!',
    schoolId: cls.schoolId,
    classIds: [cls.id],
  });
  tokens.push((await core.sessions.create(u.id)).token);
}
const tokensFile = path.join(dataDir!, 'tokens.json');
fs.writeFileSync(tokensFile, JSON.stringify(tokens));

// The replay.
const vodId = LessonStore.newId();
const res = await transcodeBenchClip({ storage: core.storage, logger, dataDir: dataDir! }, vodId, clip!);
await publishBenchLesson(core.lessons, {
  id: vodId,
  mediaId: vodId,
  grade: 3,
  title: '三年级数学 基准',
  res,
});
const now = new Date().toISOString();

// Grade 3's channel: the lesson every 65 s (60 s slots) for two hours from a minute ago.
const fmt = localClock(config.TIMEZONE);
const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
const date = localDate(config.TIMEZONE, t0);
const slots: Slot[] = [];
for (
  let t = t0;
  t + 60_000 < t0 + 2 * 3600_000 && localDate(config.TIMEZONE, t + 60_000) === date;
  t += 65_000
)
  slots.push({
    id: newSlotId(),
    grade: 3,
    date,
    start: fmt(t),
    end: fmt(t + 60_000),
    subject: '数学',
    source: { kind: 'recorded', lessonId: vodId },
    override: { reason: 'bench', by: 'bench', at: now },
  });
await new TimetableStore(core.redis.redis).publish([{ grade: 3, date, slots }], 'bench');

// The live lesson and its live HLS.
const liveId = LiveStore.newId();
await core.live.create({
  id: liveId,
  title: '三年级直播 基准',
  grade: 3,
  subject: '数学',
  teacherId: 'bench',
  teacherName: 'bench',
  status: 'live',
  roomId: `lesson-${liveId.slice(5)}`,
  startedAt: now,
  createdAt: now,
  updatedAt: now,
});
const stopLive = await simulateLiveHls(core.storage, `vod/${vodId}`, `live/${liveId}`);

// The channel answers once its slates are rendered (the first request starts that).
for (let i = 0; i < 600; i++) {
  const r = await fetch(`${svc.url}/channels/grade-3/720p/index.m3u8`);
  await r.arrayBuffer();
  if (r.ok) break;
  await new Promise((res) => setTimeout(res, 200));
}

// A ~160 KB replay segment (the issue's ab comparison uses one of that size).
let seg = { key: '', size: 0 };
for await (const o of core.storage.list(`vod/${vodId}/`))
  if (o.key.endsWith('.m4s') && Math.abs(o.size - 160_000) < Math.abs(seg.size - 160_000)) seg = o;

console.log(
  `READY ${JSON.stringify({
    url: svc.url,
    tokensFile,
    vodId,
    liveId,
    storageDir: path.join(config.dataDir, 'storage'),
    segment: { key: seg.key, size: seg.size, path: seg.key.slice(`vod/${vodId}/`.length) },
  })}`,
);
process.on('SIGTERM', () => {
  stopLive();
  void svc.close().then(() => process.exit(0));
});

/** Writes live HLS under `to` from the segments of the replay at `from`, one new segment per segment duration. */
async function simulateLiveHls(storage: Storage, from: string, to: string): Promise<() => void> {
  const text = async (key: string) => {
    const g = await storage.get(key);
    const chunks: Buffer[] = [];
    for await (const c of g.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const master = (await text(`${from}/master.m3u8`)).toString();
  const rungs = [...master.matchAll(/^([\w-]+)\/index\.m3u8$/gm)].map((m) => m[1]!);
  const source = await Promise.all(
    rungs.map(async (r) => {
      const pl = (await text(`${from}/${r}/index.m3u8`)).toString();
      const segs = [...pl.matchAll(/#EXTINF:([\d.]+),\n(\S+)/g)].map((m) => ({
        d: Number(m[1]),
        uri: m[2]!,
      }));
      return { r, segs, init: /#EXT-X-MAP:URI="([^"]+)"/.exec(pl)![1]! };
    }),
  );
  for (const s of source) {
    await storage.put(`${to}/${s.r}/init.mp4`, await text(`${from}/${s.r}/${s.init}`), {
      contentType: 'video/mp4',
    });
  }
  await storage.put(`${to}/master.m3u8`, master, { contentType: 'application/vnd.apple.mpegurl' });
  const WINDOW = 6;
  const target = Math.ceil(Math.max(...source[0]!.segs.map((s) => s.d)));
  const count = source[0]!.segs.length;
  let seq = 0;
  let stopped = false;
  const published: { n: number; d: number; disc: boolean }[] = [];
  let discSeq = 0;
  const tick = async () => {
    const i = seq % count;
    const disc = seq > 0 && i === 0; // the replay starts over: new timestamps
    for (const s of source)
      await storage.put(
        `${to}/${s.r}/seg_${String(seq).padStart(6, '0')}.m4s`,
        await text(`${from}/${s.r}/${s.segs[i]!.uri}`),
        {
          contentType: 'video/iso.segment',
        },
      );
    published.push({ n: seq, d: source[0]!.segs[i]!.d, disc });
    while (published.length > WINDOW) if (published.shift()!.disc) discSeq++;
    for (const s of source) {
      const lines = [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        `#EXT-X-TARGETDURATION:${target}`,
        `#EXT-X-MEDIA-SEQUENCE:${published[0]!.n}`,
        `#EXT-X-DISCONTINUITY-SEQUENCE:${discSeq}`,
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="init.mp4"',
      ];
      for (const p of published) {
        if (p.disc) lines.push('#EXT-X-DISCONTINUITY');
        lines.push(`#EXTINF:${p.d.toFixed(3)},`, `seg_${String(p.n).padStart(6, '0')}.m4s`);
      }
      await storage.put(`${to}/${s.r}/index.m3u8`, `${lines.join('\n')}\n`, {
        contentType: 'application/vnd.apple.mpegurl',
      });
    }
    seq++;
    if (!stopped) timer = setTimeout(() => void tick(), published.at(-1)!.d * 1000);
  };
  // Start with a full window, as a lesson that has been live for a while.
  for (let k = 0; k < WINDOW - 1; k++) {
    stopped = true;
    await tick();
  }
  stopped = false;
  let timer: NodeJS.Timeout | undefined;
  await tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
