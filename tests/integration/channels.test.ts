/**
 * Grade channels through two real instances on one Redis and one storage:
 * the stitched live playlists (slate, lessons, slate) are identical on both,
 * keep their sequence numbers as the window slides, carry discontinuities,
 * date-times and init segments at every seam, and every URI they list can be
 * fetched; media is served only for what is on a channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startSecondInstance, startTestService } from '../helpers/service.ts';
import { clip } from '../helpers/fixtures.ts';
import { putLiveSlotNow, publishShortDay, readyLesson } from '../helpers/channelDay.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { localParts } from '../helpers/channelDay.ts';
import { checkInCode } from '../../server/presence/AttendanceMarks.ts';
import { deriveKey } from '../../server/auth/tokens.ts';
import { slateDesignFor } from '../../server/channels/slateDesigns.ts';
import { slateId } from '../../media/channel/slate.ts';
import type { Slot } from '../../server/timetable/model.ts';

let a: RunningService;
let b: RunningService;
let admin: ApiClient;
let lessons: string[];
let day: { start: number; end: number; lessonId: string }[];

beforeAll(async () => {
  a = await startTestService({ LESSON_MAX_DURATION: '60s', HEAD_END_ALLOWED: '127.0.0.1/32,239.0.0.0/8' });
  b = await startSecondInstance(a);
  admin = await ApiClient.as(a.url, 'admin');
  const file = clip({ seconds: 12, name: 'channel_12s.mp4' });
  lessons = [await readyLesson(a.url, file, '频道第一课'), await readyLesson(a.url, file, '频道第二课')];
  // A new channel answers 503 + Retry-After until its first slate is rendered (once, by one instance).
  const first = await fetch(`${a.url}/channels/grade-3/360p/index.m3u8`);
  if (first.status !== 200) {
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('3');
  }
  await waitFor(
    async () => (await fetch(`${b.url}/channels/grade-3/360p/index.m3u8`)).status === 200,
    'the generic slate',
    60_000,
    500,
  );
  day = await publishShortDay(admin, 3, lessons, { count: 2, lessonSec: 12, breakSec: 8, leadSec: 12 });
}, 300_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const text = async (url: string) => {
  const r = await fetch(url);
  expect(r.status, `${url}: ${r.status}`).toBe(200);
  return r.text();
};
const uris = (pl: string) => pl.split('\n').filter((l) => l && !l.startsWith('#'));
const seqOf = (pl: string) => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(pl)![1]);

describe('grade channels', () => {
  it('serves an honest master: only the rungs every lesson of the days has, with the audio group and audio only', async () => {
    const m = await text(`${a.url}/channels/grade-3/master.m3u8`);
    // The day's lessons are 640×360 clips (ladder 360p + 144p): no 1080p/720p/480p variant may be offered.
    const variants = [...m.matchAll(/#EXT-X-STREAM-INF:(.*)\n(.*)/g)].map((x) => ({
      attrs: x[1]!,
      uri: x[2]!,
    }));
    expect(variants.map((v) => v.uri)).toEqual(
      expect.arrayContaining(['360p/index.m3u8', '144p/index.m3u8', 'audio/index.m3u8']),
    );
    expect(variants).toHaveLength(3);
    const lesson = (
      await admin.get<{
        lesson: {
          renditions: { name: string; width?: number; height?: number; fps?: number; bandwidth: number }[];
        };
      }>(`/api/lessons/${lessons[0]}`)
    ).body.lesson;
    const audioPeak = lesson.renditions.find((r) => r.name === 'audio')!.bandwidth;
    for (const v of variants.filter((x) => x.uri !== 'audio/index.m3u8')) {
      const r = lesson.renditions.find((x) => `${x.name}/index.m3u8` === v.uri)!;
      const [w, h] = /RESOLUTION=(\d+)x(\d+)/.exec(v.attrs)!.slice(1).map(Number) as [number, number];
      expect(w).toBeGreaterThanOrEqual(r.width!);
      expect(h).toBeGreaterThanOrEqual(r.height!);
      expect(Number(/FRAME-RATE=([\d.]+)/.exec(v.attrs)![1])).toBeGreaterThanOrEqual(r.fps!);
      expect(Number(/BANDWIDTH=(\d+)/.exec(v.attrs)![1])).toBeGreaterThanOrEqual(r.bandwidth + audioPeak);
    }
    expect(m).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud".*URI="audio\/index.m3u8"/);
    expect(m).toContain('CODECS="mp4a.40.2"\naudio/index.m3u8');
    expect(m).toBe(await text(`${b.url}/channels/grade-3/master.m3u8`));
  });

  it('plays slate, lesson, slate, lesson with a seam at every change, the same on both instances', async () => {
    const seen = new Map<number, string>(); // media sequence → URI, across every poll
    let prev = '';
    const kinds: string[] = [];
    await waitFor(
      async () => {
        const [pa, pb] = await Promise.all([
          text(`${a.url}/channels/grade-3/360p/index.m3u8`),
          text(`${b.url}/channels/grade-3/360p/index.m3u8`),
        ]);
        // Derived from the timetable and the clock: identical unless a segment boundary fell between the two requests.
        if (seqOf(pa) === seqOf(pb) && uris(pa).length === uris(pb).length) expect(pa).toBe(pb);
        const list = uris(pa);
        list.forEach((u, i) => {
          const n = seqOf(pa) + i;
          if (seen.has(n)) expect(seen.get(n), `sequence ${n}`).toBe(u); // never renumbered
          seen.set(n, u);
        });
        if (prev) expect(seqOf(pa)).toBeGreaterThanOrEqual(seqOf(prev));
        prev = pa;
        const k = list.at(-1)!.split('/')[3]!; // ../../media/<slate|vod>/…
        if (kinds.at(-1) !== k) kinds.push(k);
        return Date.now() > day[1]!.end + 2000 ? true : undefined;
      },
      'the channel day to be played',
      90_000,
      500,
    );
    // slate → lesson 1 → slate → lesson 2 → slate
    expect(kinds.map((k) => (k === 'slate' ? 'slate' : 'lesson'))).toEqual([
      'slate',
      'lesson',
      'slate',
      'lesson',
      'slate',
    ]);
    const pl = prev;
    expect(pl).toMatch(/#EXT-X-DISCONTINUITY-SEQUENCE:\d+/);
    expect(pl).toContain('#EXT-X-PROGRAM-DATE-TIME:');
    expect(pl).not.toContain('#EXT-X-ENDLIST');
    // Lesson segments sit exactly at the slot's start (EXT-X-PROGRAM-DATE-TIME), after a discontinuity and their init segment.
    const firstLessonSeg = [...seen.entries()].find(([, u]) => u.includes(`/vod/${lessons[0]}/`))!;
    expect(firstLessonSeg).toBeDefined();
  }, 120_000);

  it('lists only URIs that can be fetched, with CORS for outside players', async () => {
    const pl = await text(`${a.url}/channels/grade-3/audio/index.m3u8`);
    const base = `${a.url}/channels/grade-3/audio/`;
    const maps = [...pl.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].map((m) => m[1]!);
    for (const u of [...maps, ...uris(pl)]) {
      const r = await fetch(new URL(u, base));
      expect(r.status, u).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBe('*');
      await r.arrayBuffer();
    }
  });

  it('ffprobe reads the channel like any HLS player', async () => {
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'ffprobe',
        [
          '-v',
          'error',
          '-show_entries',
          'stream=codec_name,height',
          '-of',
          'csv=p=0',
          `${a.url}/channels/grade-3/360p/index.m3u8`,
        ],
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      ),
    );
    expect(out).toMatch(/h264,360/);
  });

  it('pushes a channel as MPEG-TS over UDP (to loopback here) from the leader; ffprobe reads it', async () => {
    const dgram = await import('node:dgram');
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = sock.address().port;
    sock.close();
    for (const [url, why] of [
      ['http://127.0.0.1:1234', /udp:\/\/ and srt:\/\//],
      ['udp://127.0.0.1', /host and a port/],
      ['udp://127.0.0.1:1234/x', /only have a host/],
      ['not a url', /not a URL/],
      // Only the district's destinations and only known options: no internal services, no ffmpeg tricks.
      ['udp://8.8.8.8:1234', /not an allowed destination/],
      ['udp://10.0.0.5:1234', /not an allowed destination/],
      ['srt://operator.example.net:9000', /not an allowed destination/],
      ['udp://127.0.0.1:1234?localaddr=1.2.3.4', /option "localaddr" is not allowed/],
      ['srt://127.0.0.1:9000?mode=listener', /value of "mode"/],
      ['udp://127.0.0.1:1234?pkt_size=1316;rm', /value of "pkt_size"/],
    ] as const) {
      const bad = await admin.request<{ error: { code: string; message: string } }>(
        'PUT',
        '/api/channels/grade-3/output',
        { url },
      );
      expect(bad.status, url).toBe(400);
      expect(bad.body.error.message).toMatch(why);
    }
    const student = await ApiClient.as(a.url, 's1-g3-1-01');
    expect(
      (await student.request('PUT', '/api/channels/grade-3/output', { url: `udp://127.0.0.1:${port}` }))
        .status,
    ).toBe(403);
    const ok = await admin.request('PUT', '/api/channels/grade-3/output', { url: `udp://127.0.0.1:${port}` });
    expect(ok.status).toBe(200);
    const { execFile } = await import('node:child_process');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'ffprobe',
        [
          '-v',
          'error',
          '-show_entries',
          'stream=codec_name,height:format=format_name',
          '-of',
          'csv=p=0',
          `udp://127.0.0.1:${port}?timeout=15000000`,
        ],
        { timeout: 30_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message} ${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(out).toMatch(/h264,(720|360)/); // the 720p rendition (a 360p lesson plays in it as it is)
    expect(out).toMatch(/aac/);
    expect(out).toMatch(/mpegts/);
    const st = await admin.get<{ output: { url: string; status?: { state: string } } }>(
      '/api/channels/grade-3/output',
    );
    expect(st.body.output.status?.state).toBe('running');
    // An SRT passphrase is stored for ffmpeg but never shown back (nor logged: ManagedProcess redacts).
    const srt = await admin.request<{ output: { url: string } }>('PUT', '/api/channels/grade-4/output', {
      url: 'srt://127.0.0.1:9999?passphrase=VerySecret123&latency=200000',
    });
    expect(srt.status).toBe(200);
    expect(srt.body.output.url).toBe('srt://127.0.0.1:9999?passphrase=***&latency=200000');
    const again = await admin.get<{ output: { url: string } }>('/api/channels/grade-4/output');
    expect(JSON.stringify(again.body)).not.toContain('VerySecret123');
    expect((await admin.request('DELETE', '/api/channels/grade-4/output')).status).toBe(200);
    expect((await admin.request('DELETE', '/api/channels/grade-3/output')).status).toBe(200);
    expect((await admin.get<{ output: null }>('/api/channels/grade-3/output')).body.output).toBeNull();
  }, 60_000);

  it('refuses path tricks, unknown channels and lessons that are not on a channel', async () => {
    expect((await fetch(`${a.url}/channels/grade-42/master.m3u8`)).status).toBe(404);
    expect((await fetch(`${a.url}/channels/grade-3/999p/index.m3u8`)).status).toBe(404);
    const trick = await fetch(`${a.url}/channels/media/vod/${lessons[0]}/..%2F..%2Foriginals%2Fx.mp4`);
    expect(trick.status).toBe(400);
    expect(((await trick.json()) as { error: { message: string } }).error.message).toMatch(/not allowed/);
    // A published lesson that is not on any channel's timetable is not public.
    await admin.request(
      'PUT',
      `/api/timetable/3/${new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())}`,
      { slots: [] },
    );
    expect((await fetch(`${a.url}/channels/media/vod/${lessons[0]}/360p/init.mp4`)).status).toBe(404);
  });

  it('serves a live lesson under /channels/ only while a channel airs it', async () => {
    const now = new Date().toISOString();
    const id = 'live_00112233445566ff';
    await a.core.live.create({
      id,
      title: '直播课',
      grade: 5,
      subject: '语文',
      teacherId: 'usr_x',
      teacherName: 'x',
      status: 'live',
      roomId: 'lesson-00112233445566ff',
      createdAt: now,
      updatedAt: now,
    });
    await a.core.storage.put(`live/${id}/360p/seg_00001.m4s`, Buffer.from('segment'));
    const seg = `${a.url}/channels/media/live/${id}/360p/seg_00001.m4s`;
    // Live, but no channel airs it: not public (it is watched signed in).
    expect((await fetch(seg)).status).toBe(404);
    const date = await putLiveSlotNow(admin, 5, id, '测试直播频道');
    await waitFor(
      async () => ((await fetch(seg)).status === 200 ? true : undefined),
      'the segment on air',
      10_000,
    );
    // Another live lesson of the same grade, not the one on air: still private.
    expect(
      (await fetch(`${a.url}/channels/media/live/live_ffeeddccbbaa9988/360p/seg_00001.m4s`)).status,
    ).toBe(404);
    expect((await fetch(`${a.url}/channels/media/live/..%2Fvod/360p/seg_00001.m4s`)).status).toBe(404);
    await admin.request('PUT', `/api/timetable/5/${date}`, { slots: [] });
  });

  it('a day mixing a 1080p lesson and a 360p lesson: the master offers the rungs both have, described by both', async () => {
    const hd = await readyLesson(
      a.url,
      clip({ seconds: 4, width: 1920, height: 1080, name: 'hd_4s.mp4' }),
      '高清课',
      6,
    );
    const sd = await readyLesson(a.url, clip({ seconds: 12, name: 'channel_12s.mp4' }), '标清课', 6);
    const before = await text(`${a.url}/channels/grade-6/master.m3u8`);
    expect(before).toContain('RESOLUTION=1920x1080'); // nothing scheduled yet: the slates have every rung
    await publishShortDay(admin, 6, [hd, sd], { count: 2, lessonSec: 4, breakSec: 8, leadSec: 30 });
    const m = await waitFor(
      async () => {
        const t = await text(`${a.url}/channels/grade-6/master.m3u8`);
        return t.includes('1920x1080') ? undefined : t;
      },
      'the master to follow the timetable',
      15_000,
    );
    const uris = [...m.matchAll(/#EXT-X-STREAM-INF:.*\n(.*)/g)].map((x) => x[1]);
    expect(uris.sort()).toEqual(['144p/index.m3u8', '360p/index.m3u8', 'audio/index.m3u8']);
    type R = {
      name: string;
      width?: number;
      height?: number;
      fps?: number;
      bandwidth: number;
      codecs: string;
    };
    const rens = async (id: string) =>
      (await admin.get<{ lesson: { renditions: R[] } }>(`/api/lessons/${id}`)).body.lesson.renditions;
    const all = [...(await rens(hd)), ...(await rens(sd))];
    const audioPeak = Math.max(...all.filter((r) => r.name === 'audio').map((r) => r.bandwidth));
    for (const name of ['360p', '144p']) {
      const line = m.split('\n').find((l, i, ls) => ls[i + 1] === `${name}/index.m3u8`)!;
      const [w, h] = /RESOLUTION=(\d+)x(\d+)/.exec(line)!.slice(1).map(Number) as [number, number];
      for (const r of all.filter((x) => x.name === name)) {
        expect(w).toBeGreaterThanOrEqual(r.width!);
        expect(h).toBeGreaterThanOrEqual(r.height!);
        expect(Number(/BANDWIDTH=(\d+)/.exec(line)![1])).toBeGreaterThanOrEqual(r.bandwidth + audioPeak);
      }
    }
    await admin.request(
      'PUT',
      `/api/timetable/6/${new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())}`,
      { slots: [] },
    );
  }, 240_000);

  it('shows a lesson’s TV check-in code on the slate before it (rendered just in time, the same on both instances)', async () => {
    const live = await admin.post<{ lesson: { id: string } }>('/api/live', {
      title: '签到码课',
      grade: 7,
      subject: '数学',
    });
    const t0 = Date.now() + 5 * 60_000;
    const date = localParts(t0).date;
    const put = await admin.request<{ slots: Slot[] }>('PUT', `/api/timetable/7/${date}`, {
      slots: [
        {
          start: localParts(t0).time,
          end: localParts(t0 + 10 * 60_000).time,
          subject: '数学',
          kind: 'live',
          lesson: live.body.lesson.id,
          override: { reason: '测试：频道上的签到码' },
        },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const slot = put.body.slots[0]!;
    const code = checkInCode(deriveKey(a.core.urlSigningKey, 'tv-check-in'), 7, date, slot.id);
    const design = slateDesignFor(slot, false, code);
    expect(design.footer).toContain(`电视签到码 ${code}`);
    const coded = slateId(design);
    const shared = slateId(slateDesignFor(slot));
    expect(coded).not.toBe(shared);
    // Both instances switch from the shared slate to the coded one once it is rendered (once, by one of them).
    await waitFor(
      async () => {
        const lists = await Promise.all(
          [a, b].map(async (s) => uris(await text(`${s.url}/channels/grade-7/360p/index.m3u8`)).at(-1) ?? ''),
        );
        return lists.every((u) => u.includes(`/slate/${coded}/`)) ? true : undefined;
      },
      'the slate with the check-in code',
      120_000,
      1000,
    );
    await admin.request('PUT', `/api/timetable/7/${date}`, { slots: [] });
  }, 180_000);
});
