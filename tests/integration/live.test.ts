/**
 * Live lessons through the real service on plain loopback: REST to schedule
 * and start, the server-issued publish token, the socket.io SFU signaling in
 * front of mediasoup (every refusal a student, a stranger or a forged token
 * meets), the studio page of the web app publishing through it, viewers
 * counted, live HLS from mediasoup's plain RTP probed as H.264 + AAC, an
 * ffmpeg crash bridged, the grade channel taking the lesson over, and the
 * replay. A student can never publish.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Browser, type Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { submitLogin } from '../helpers/browser.ts';
import { startLiveStack, type LiveStack } from '../helpers/liveStack.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { liveViewers } from '../../server/realtime/liveSignaling.ts';
import { localParts, putLiveSlotNow } from '../helpers/channelDay.ts';

const execFileP = promisify(execFile);

interface Reply {
  error?: { code: string; message: string };
  peerId?: string;
  id?: string;
  producers?: { id: string; source: string; kind: string }[];
}

/** What a browser sends when it produces (mediasoup validates the details only after the policy check). */
const fakeRtp = { codecs: [], encodings: [{ ssrc: 1111 }], headerExtensions: [], rtcp: {} };

describe('live lessons', () => {
  let stack: LiveStack;
  let svc: RunningService;
  let browser: Browser;
  const sockets = new SocketPool();

  const connect = (who: ApiClient) => sockets.connect(svc.url, who.token);
  const call = (s: Socket, event: string, payload: unknown) => ack<Reply>(s, event, payload);
  /** Joins the lesson's room and opens a transport: what a page does before producing or consuming. */
  const joinRoom = async (s: Socket, lessonId: string) => {
    const j = await call(s, 'sfu:join', { room: { kind: 'live', lessonId } });
    if (j.error) return { error: j.error };
    const t = await call(s, 'sfu:transport', { peerId: j.peerId });
    return { peerId: j.peerId!, transportId: t.id!, producers: j.producers! };
  };
  const produce = (s: Socket, r: { peerId: string; transportId: string }, publishToken?: string) =>
    call(s, 'sfu:produce', {
      peerId: r.peerId,
      transportId: r.transportId,
      kind: 'video',
      rtpParameters: fakeRtp,
      source: 'camera',
      ...(publishToken !== undefined ? { publishToken } : {}),
    });

  beforeAll(async () => {
    stack = await startLiveStack('43000-43300');
    ({ svc, browser } = stack);
  }, 90_000);
  afterAll(async () => {
    sockets.closeAll();
    await stack?.close();
  });

  it('schedules, starts, refuses students and forged tokens, broadcasts, counts viewers, records, and ends', async () => {
    const as = (u: string) => ApiClient.as(svc.url, u);
    const [teacher, otherLead, coTeacher, student, student2, studentG4] = [
      await as('lead-g3'),
      await as('lead-g4'),
      await as('t-s1-g3-1'),
      await as('s1-g3-1-01'),
      await as('s1-g3-2-01'),
      await as('s1-g4-1-01'),
    ];
    // Scheduling: lead teachers for their own grade only; never students.
    expect(
      (await student.post('/api/live', { title: 'x', grade: 3, subject: '数学' })).body.error?.code,
    ).toBe('FORBIDDEN_ROLE');
    expect(
      (await otherLead.post('/api/live', { title: 'x', grade: 3, subject: '数学' })).body.error?.code,
    ).toBe('FORBIDDEN_SCOPE');
    const created = await teacher.post<{ lesson: { id: string; status: string } }>('/api/live', {
      title: '认识钟表（直播）',
      grade: 3,
      subject: '数学',
    });
    const lessonId = created.body.lesson.id;
    expect(created.body.lesson.status).toBe('scheduled');
    expect((await otherLead.post(`/api/live/${lessonId}/start`)).status).toBe(403);
    // A live lesson is bound to its timetable slot: on no slot, its teacher cannot start it, and a
    // district admin only with a reason (audited).
    const admin = await ApiClient.as(svc.url, 'admin');
    const noSlot = await teacher.post<{ error: { code: string; message: string } }>(
      `/api/live/${lessonId}/start`,
    );
    expect(noSlot.status).toBe(409);
    expect(noSlot.body.error.message).toMatch(/only in its timetable slot.*no timetable slot/);
    const adminNoReason = await admin.post<{ error: { code: string; message: string } }>(
      `/api/live/${lessonId}/start`,
    );
    expect(adminNoReason.status).toBe(409);
    expect(adminNoReason.body.error.message).toContain('outsideSlotReason');
    // Its slot begins in 5 minutes: a teacher may go live up to 15 minutes early (set up, sound check).
    await putLiveSlotNow(admin, 3, lessonId, '测试：直播课时段', 5 * 60_000);
    const started = await teacher.post<{ lesson: { status: string }; publishToken: string }>(
      `/api/live/${lessonId}/start`,
    );
    expect(started.body.lesson.status).toBe('live');
    const publishToken = started.body.publishToken;

    const teacherSocket = await connect(teacher);
    const viewerCounts: number[] = [];
    teacherSocket.on('live:viewers', (e: { viewers: number }) => viewerCounts.push(e.viewers));

    // Refusals first: a student, even holding the teacher's token; a forged token; none; another lesson's.
    const studentSocket = await connect(student);
    const asStudent = await joinRoom(studentSocket, lessonId);
    expect((await produce(studentSocket, asStudent as never, publishToken)).error?.code).toBe(
      'FORBIDDEN_ROLE',
    );
    const asTeacher = (await joinRoom(teacherSocket, lessonId)) as { peerId: string; transportId: string };
    expect((await produce(teacherSocket, asTeacher, 'pub.9999999999.' + 'A'.repeat(43))).error?.code).toBe(
      'AUTH_TOKEN_INVALID',
    );
    expect((await produce(teacherSocket, asTeacher)).error?.code).toBe('AUTH_TOKEN_INVALID');
    const other = await teacher.post<{ lesson: { id: string } }>('/api/live', {
      title: '另一节',
      grade: 3,
      subject: '数学',
    });
    // Outside its slot, a district admin may allow its teacher to go live for an hour (with a reason, audited)…
    expect((await teacher.post(`/api/live/${other.body.lesson.id}/start`)).status).toBe(409);
    expect(
      (await admin.post(`/api/live/${other.body.lesson.id}/allow-outside-slot`, { reason: 'x' })).status,
    ).toBe(400);
    expect(
      (await teacher.post(`/api/live/${other.body.lesson.id}/allow-outside-slot`, { reason: '临时加课' }))
        .status,
    ).toBe(403);
    const allowed = await admin.post<{ until: string }>(
      `/api/live/${other.body.lesson.id}/allow-outside-slot`,
      {
        reason: '临时加课：防疫通知',
      },
    );
    expect(allowed.status).toBe(200);
    expect(Date.parse(allowed.body.until)).toBeGreaterThan(Date.now() + 50 * 60_000);
    const audit = await admin.get<{ entries: { action: string; detail?: string; targetUsername: string }[] }>(
      '/api/audit',
    );
    const entry = audit.body.entries.find((e) => e.action === 'live.start_outside_slot');
    expect(entry).toMatchObject({ targetUsername: 'lead-g3' });
    expect(JSON.stringify(entry)).toContain('临时加课：防疫通知');
    // …or start it themselves with a reason (also audited).
    const third = await teacher.post<{ lesson: { id: string } }>('/api/live', {
      title: '第三节',
      grade: 3,
      subject: '数学',
    });
    expect(
      (await admin.post(`/api/live/${third.body.lesson.id}/start`, { outsideSlotReason: '区里的紧急通知' }))
        .status,
    ).toBe(200);
    // With the allowance, its teacher goes live (their own publish token).
    const otherToken = (
      await teacher.post<{ publishToken: string }>(`/api/live/${other.body.lesson.id}/start`)
    ).body.publishToken;
    expect((await produce(teacherSocket, asTeacher, otherToken)).error?.code).toBe('AUTH_TOKEN_INVALID');
    // With the right token, mediasoup itself refuses nonsense parameters: a clear error, nothing created.
    expect((await produce(teacherSocket, asTeacher, publishToken)).error?.code).toBe('VALIDATION_FAILED');
    // A connection belongs to its socket: another socket cannot use the teacher's peer id.
    expect((await call(studentSocket, 'sfu:transport', { peerId: asTeacher.peerId })).error?.code).toBe(
      'NOT_FOUND',
    );
    expect(
      (await call(studentSocket, 'sfu:join', { room: { kind: 'live', lessonId: '../x' } })).error?.code,
    ).toBe('NOT_FOUND');
    // A student of another grade may not even join.
    const g4Socket = await connect(studentG4);
    expect((await call(g4Socket, 'sfu:join', { room: { kind: 'live', lessonId } })).error?.code).toBe(
      'FORBIDDEN_SCOPE',
    );
    await call(teacherSocket, 'sfu:leave', { peerId: asTeacher.peerId });

    // The studio page of the web app publishes: camera in three simulcast layers (H.264) and microphone.
    const ctx = await browser.newContext();
    const studio: Page = await ctx.newPage();
    await submitLogin(studio, svc.url, 'lead-g3');
    await studio.waitForSelector('[data-testid^=home-]');
    await studio.goto(`${svc.url}/#/studio/${lessonId}`);
    await studio.waitForFunction(
      () => (document.querySelector('[data-testid=preview]') as HTMLVideoElement | null)?.videoWidth,
    );
    await studio.click('[data-testid=go-live]');
    await studio.waitForSelector('[data-testid=studio-state][data-state="live.live"]', { timeout: 30_000 });
    const producers = await waitFor(
      async () => {
        const ps = svc.sfu!.producers(`lesson-${lessonId.slice(5)}`);
        return ps.length >= 2 ? ps : undefined;
      },
      "the teacher's camera and microphone on the SFU",
      10_000,
    );
    expect(producers.map((p) => p.source).sort()).toEqual(['camera', 'mic']);

    // Viewers: counted once each, in Redis (every instance); joining again from one page replaces its connection.
    const viewerSockets = [studentSocket, await connect(coTeacher), await connect(student2)];
    for (const s of viewerSockets) {
      const j = await call(s, 'sfu:join', { room: { kind: 'live', lessonId } });
      expect(j.error).toBeUndefined();
      expect(j.producers!.map((p) => p.source).sort()).toEqual(['camera', 'mic']);
    }
    await waitFor(async () => viewerCounts.at(-1) === 3, 'the studio to count 3 viewers', 5000);
    const again = await connect(student);
    for (let i = 0; i < 3; i++)
      expect((await call(again, 'sfu:join', { room: { kind: 'live', lessonId } })).error).toBeUndefined();
    expect(await liveViewers(svc.core.redis.redis, lessonId)).toBe(4);
    again.disconnect();
    await waitFor(async () => viewerCounts.at(-1) === 3, 'the count back at 3 after that tab left', 5000);

    // Live HLS: the SFU forwards the teacher to ffmpeg; the top rung copies H.264, the rest is encoded.
    const pb = await waitFor(
      async () => {
        const r = await student.get<{ masterUrl?: string }>(`/api/live/${lessonId}/playback`);
        return r.body.masterUrl;
      },
      'live HLS to start',
      20_000,
    );
    const master = await (await student.media(pb)).text();
    expect(pb).toBe(`/live-hls/${lessonId}/master.m3u8`); // the same URL for every viewer (cacheable)
    expect((await fetch(svc.url + pb)).status).toBe(401); // …and useless without the viewing pass
    expect(master).toContain('CODECS="avc1.42e01f,mp4a.40.2"');
    expect(master).toContain('144p/index.m3u8');
    const base = svc.url + pb.replace(/master\.m3u8$/, '');
    const playlist = async (name: string) => (await student.media(`${base}${name}/index.m3u8`)).text();
    const segs = (text: string) =>
      [...text.matchAll(/#EXTINF:([\d.]+),\n(\S+)/g)].map((m) => ({ d: Number(m[1]), uri: m[2]! }));
    await waitFor(
      async () => segs(await playlist('source')).length >= 3 && segs(await playlist('144p')).length >= 2,
      '3 live segments',
      30_000,
    );
    const live1 = await playlist('source');
    expect(live1).toContain('#EXT-X-PROGRAM-DATE-TIME:');
    expect(live1).not.toContain('#EXT-X-ENDLIST');
    expect((await student.media(`${base}source/index.m3u8`)).headers.get('cache-control')).toBe('no-cache');
    // fMP4 renditions (each run's init segment in EXT-X-MAP): the teacher's H.264 copied, audio on its own.
    // The first owner of the lesson (fencing token 1): runs 1000, 1001, … so a later owner never reuses a name.
    expect(live1).toMatch(/#EXT-X-MAP:URI="init_r1000\.mp4"/);
    const codecsOf = async (name: string) => {
      const probe = await execFileP('ffprobe', [
        '-v',
        'error',
        '-show_streams',
        '-of',
        'json',
        '-headers',
        `Cookie: skyclass_hls=${student.hlsPass}\r\n`, // the viewing pass, as a browser sends it
        `${base}${name}/index.m3u8`,
      ]);
      return (JSON.parse(probe.stdout) as { streams: { codec_name: string }[] }).streams.map(
        (s) => s.codec_name,
      );
    };
    expect(await codecsOf('source')).toEqual(['h264']);
    expect(await codecsOf('audio')).toEqual(['aac']);

    // ffmpeg killed mid-lesson: back within 2 s; the playlist carries a discontinuity and no gap over 4 s (see the budget below).
    const pipeline = await svc.liveHls!.get(lessonId)!;
    process.kill(pipeline.supervisor!.current!.pid!, 'SIGKILL');
    const after = await waitFor(
      async () => {
        const text = await playlist('source');
        const i = text.indexOf('#EXT-X-DISCONTINUITY\n');
        return i > 0 && segs(text.slice(i)).length >= 2 ? text : undefined;
      },
      'segments after the restart',
      30_000,
    );
    const lines = after.split('\n');
    const at = lines.indexOf('#EXT-X-DISCONTINUITY');
    const pdt = (from: number, dir: 1 | -1) => {
      for (let i = from; i >= 0 && i < lines.length; i += dir)
        if (lines[i]!.startsWith('#EXT-X-PROGRAM-DATE-TIME:'))
          return { i, t: Date.parse(lines[i]!.slice(25)) };
      throw new Error('no PDT');
    };
    const before = pdt(at - 1, -1);
    const beforeDur = Number(/#EXTINF:([\d.]+)/.exec(lines[before.i + 1]!)![1]);
    const next = pdt(at + 1, 1);
    const gapSec = (next.t - (before.t + beforeDur * 1000)) / 1000;
    console.log(`live ffmpeg restart: gap ${gapSec.toFixed(2)} s in the recording`);
    // The budget: the segment being written when ffmpeg died is lost (up to one 2 s segment), plus the
    // restart (backoff, ffmpeg start, the keyframe asked for); on a loaded 2-core test run ~1.5 s.
    expect(gapSec).toBeLessThanOrEqual(4);

    // The grade channel: a live slot of this lesson takes the channel over from the live pipeline…
    const { date, time: from } = localParts(Date.now() - 60_000);
    const put = await admin.request('PUT', `/api/timetable/3/${date}`, {
      slots: [
        {
          start: from,
          end: localParts(Date.now() + 5 * 60_000).time,
          subject: '数学',
          kind: 'live',
          lesson: lessonId,
          override: { reason: '测试：直播接管频道' },
        },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const channel = async () => {
      const r = await fetch(`${svc.url}/channels/grade-3/360p/index.m3u8`);
      return r.status === 200 ? r.text() : '';
    };
    const lastUri = (pl: string) => pl.trim().split('\n').at(-1)!;
    await waitFor(
      async () => lastUri(await channel()).includes(`media/live/${lessonId}/360p/`),
      'the channel to show the live lesson',
      40_000,
      500,
    );
    const viaChannel = await channel();
    expect(viaChannel).toMatch(
      new RegExp(`#EXT-X-MAP:URI="\\.\\./\\.\\./media/live/${lessonId}/360p/init_r\\d+\\.mp4"`),
    );
    expect((await fetch(new URL(lastUri(viaChannel), `${svc.url}/channels/grade-3/360p/`))).status).toBe(200);

    const ended = await teacher.post<{ lesson: { status: string; replayLessonId?: string } }>(
      `/api/live/${lessonId}/end`,
    );
    expect(ended.body.lesson.status).toBe('ended');
    // The recording is the replay, in the catalogue at once, for the students of the grade.
    const replayId = ended.body.lesson.replayLessonId!;
    expect(replayId).toMatch(/^les_/);
    const replay = await student.get<{ masterUrl: string }>(`/api/lessons/${replayId}/playback`);
    const replayBase = svc.url + replay.body.masterUrl.replace(/master\.m3u8$/, '');
    const vod = await (await student.media(`${replayBase}source/index.m3u8`)).text();
    expect(vod).toContain('#EXT-X-ENDLIST');
    expect(vod).toContain('#EXT-X-DISCONTINUITY');
    expect(segs(vod).length).toBeGreaterThan(segs(after).length - 1);
    expect(await svc.sfu!.listRooms()).not.toContain(`lesson-${lessonId.slice(5)}`);
    await ctx.close();
    expect((await teacher.post(`/api/live/${lessonId}/start`)).body.error?.code).toBe('CONFLICT');

    // …and when the live source stops before the slot ends, the slate takes over (备份方案).
    await waitFor(
      async () => {
        const pl = await channel();
        return pl.includes(`media/live/${lessonId}/`) && lastUri(pl).includes('media/slate/');
      },
      'the channel to fall back to the slate',
      40_000,
      500,
    );
  }, 180_000);
});
