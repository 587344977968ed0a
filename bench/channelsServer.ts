/**
 * The server side of `npm run bench:channels`, in its own process so its CPU
 * and memory are measured alone: Skyclass's ChannelService (the code behind
 * /channels/…) on an embedded Redis and local storage, serving N grade
 * channels. Every channel has the same short day (60 s lessons from one
 * transcoded 720p lesson, 5 s slates between them), written to Redis as a
 * timetable like any other. Grade numbers beyond 12 are used only here, to
 * reach 100 channels. Prints "READY {json}" when the slates are rendered.
 *   usage: node --import tsx bench/channelsServer.ts <dataDir> <clip> <channels> <firstSlotAt ms>
 */
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startCore } from '../server/Core.ts';
import { LessonStore } from '../recordings/catalogue/LessonStore.ts';
import type { Slot } from '../server/timetable/model.ts';
import { localDate } from '../server/timetable/epg.ts';
import { newSlotId } from '../server/timetable/timetableCsv.ts';
import { GENERIC_SLATE } from '../server/channels/SlateService.ts';
import { CHANNEL_RENDITIONS } from '../server/channels/ChannelService.ts';
import { createChannels } from '../server/subsystems.ts';
import { localClock, publishBenchLesson, transcodeBenchClip } from './benchLesson.ts';

const [dataDir, clip, n, first] = process.argv.slice(2);
const N = Number(n);
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', TIMEZONE: 'Asia/Shanghai' });
const core = await startCore(config, logger);

const id = LessonStore.newId();
const res = await transcodeBenchClip({ storage: core.storage, logger, dataDir: dataDir! }, id, clip!);
const now = new Date().toISOString();
const grades = Array.from({ length: N }, (_, i) => i + 1);
const lessonOf = new Map<number, string>();
for (const g of grades) {
  const lid = g === 1 ? id : LessonStore.newId();
  lessonOf.set(g, lid);
  await publishBenchLesson(core.lessons, { id: lid, mediaId: id, grade: g, title: 'bench', res });
}

// The same day on every channel: 8 lessons of 60 s, 5 s apart (mostly lesson segments on the wire).
const tz = config.TIMEZONE;
const fmt = localClock(tz);
const t0 = Number(first);
const date = localDate(tz, t0);
// The channels wired as the service wires them (server/subsystems.ts).
const { timetableStore: timetable, slates, channels, onAir } = createChannels(core, logger);
await timetable.publish(
  grades.map((g) => ({
    grade: g,
    date,
    slots: Array.from({ length: 8 }, (_, k): Slot => ({
      id: newSlotId(),
      grade: g,
      date,
      start: fmt(t0 + k * 65_000),
      end: fmt(t0 + k * 65_000 + 60_000),
      subject: '数学',
      source: { kind: 'recorded', lessonId: lessonOf.get(g)! },
      override: { reason: 'bench', by: 'bench', at: now },
    })),
  })),
  'bench',
);

// Render every slate design of the day before measuring (once per design, as in production).
for (const d of [GENERIC_SLATE, ...(await channels.designsFor([1]))]) await slates.ready(d);

const server = http.createServer((req, res) => {
  void (async () => {
    const u = new URL(req.url!, 'http://x');
    const pl = /^\/channels\/grade-(\d+)\/([\w]+)\/index\.m3u8$/.exec(u.pathname);
    if (pl && CHANNEL_RENDITIONS.includes(pl[2]!)) {
      const body = await channels.playlist(Number(pl[1]), pl[2]!);
      res.writeHead(200, {
        'content-type': 'application/vnd.apple.mpegurl',
        'cache-control': 'public, max-age=1',
      });
      res.end(body);
      return;
    }
    const m = /^\/channels\/media\/(vod|slate)\/([\w]+)\/([\w]+\/[\w.]+)$/.exec(u.pathname);
    if (m) {
      let key = `slates/${m[2]}/${m[3]}`;
      if (m[1] === 'vod') {
        // What the real route checks: a published lesson that is on a channel's timetable.
        const prefix = await onAir.lessonPrefix(m[2]!);
        if (!prefix) return void res.writeHead(404).end();
        key = `${prefix}/${m[3]}`;
      }
      const got = await core.storage.get(key);
      res.writeHead(200, { 'content-type': got.info.contentType, 'content-length': got.info.size });
      got.body.pipe(res);
      return;
    }
    res.writeHead(404).end();
  })().catch((err: Error) => res.writeHead(500).end(err.message));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const port = (server.address() as AddressInfo).port;
console.log(
  `READY ${JSON.stringify({ url: `http://127.0.0.1:${port}`, redisSock: path.join(dataDir!, 'redis', 'redis.sock'), t0 })}`,
);
process.on('SIGTERM', () => {
  server.close();
  void core.close().then(() => process.exit(0));
});
