/**
 * Live lessons through the real service: REST to schedule and start, the
 * server-issued publish token, socket.io signaling brokered to Janus, and
 * Chromium pages (inside a private network namespace) as the teacher's
 * studio and three viewers. A student can never publish.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { canCreateNetns, createNetns, type NetNs } from '../helpers/netns.ts';
import { RTC_CHROMIUM_ARGS, rtcPage, type Stats } from '../helpers/rtcPage.ts';
import { startTestService } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';

const cannot = canCreateNetns();

interface Reply {
  error?: { code: string; message: string };
  peerId?: string;
  answer?: { type: string; sdp: string };
  offer?: { type: string; sdp: string };
}

describe.skipIf(!!cannot)(`live lessons${cannot ? ` (skipped: ${cannot})` : ''}`, () => {
  let ns: NetNs;
  let svc: RunningService;
  let browser: Browser;
  const sockets: Socket[] = [];

  async function connect(who: ApiClient): Promise<Socket> {
    const s = io(svc.url, { path: '/socket.io', auth: { token: who.token }, transports: ['websocket'] });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return s;
  }
  const call = (s: Socket, event: string, payload: unknown) =>
    s.timeout(20_000).emitWithAck(event, payload) as Promise<Reply>;

  beforeAll(async () => {
    ns = createNetns(tmpDir('live'));
    svc = await startTestService(
      { SFU: 'janus', JANUS_ICE_ENFORCE_LIST: ns.iceAddress, JANUS_RTP_PORTS: '43000-43300' },
      { janusCommandPrefix: ns.prefix },
    );
    browser = await chromium.launch({
      executablePath: ns.chromiumWrapper,
      headless: true,
      args: RTC_CHROMIUM_ARGS,
    });
  }, 90_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await browser?.close();
    await svc?.close();
    ns?.remove();
  });

  it('schedules, starts, broadcasts to three viewers over WebRTC, refuses students, and ends', async () => {
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
    const started = await teacher.post<{ lesson: { status: string }; publishToken: string }>(
      `/api/live/${lessonId}/start`,
    );
    expect(started.body.lesson.status).toBe('live');
    const publishToken = started.body.publishToken;

    // The studio page publishes through the server's signaling, with the token.
    const studio = await rtcPage(browser);
    const offer = { type: 'offer', sdp: (await studio.evaluate('window.publish()')) as string };
    const teacherSocket = await connect(teacher);
    const viewerCounts: number[] = [];
    teacherSocket.on('live:viewers', (e: { viewers: number }) => viewerCounts.push(e.viewers));

    // Refusals first: a student, even holding the teacher's token; a forged token; a token of another lesson.
    const studentSocket = await connect(student);
    expect((await call(studentSocket, 'live:publish', { lessonId, publishToken, offer })).error?.code).toBe(
      'FORBIDDEN_ROLE',
    );
    expect(
      (
        await call(teacherSocket, 'live:publish', {
          lessonId,
          publishToken: 'pub.9999999999.' + 'A'.repeat(43),
          offer,
        })
      ).error?.code,
    ).toBe('AUTH_TOKEN_INVALID');
    expect((await call(teacherSocket, 'live:publish', { lessonId, offer })).error?.code).toBe(
      'AUTH_TOKEN_INVALID',
    );
    const other = await teacher.post<{ lesson: { id: string } }>('/api/live', {
      title: '另一节',
      grade: 3,
      subject: '数学',
    });
    const otherToken = (
      await teacher.post<{ publishToken: string }>(`/api/live/${other.body.lesson.id}/start`)
    ).body.publishToken;
    expect(
      (await call(teacherSocket, 'live:publish', { lessonId, publishToken: otherToken, offer })).error?.code,
    ).toBe('AUTH_TOKEN_INVALID');
    // Watching before the teacher publishes: a clear "not yet".
    expect((await call(studentSocket, 'live:watch', { lessonId })).error?.code).toBe('CONFLICT');

    const pub = await call(teacherSocket, 'live:publish', { lessonId, publishToken, offer });
    expect(pub.error).toBeUndefined();
    await studio.evaluate(`window.answer(${JSON.stringify(pub.answer!.sdp)})`);
    await waitFor(
      async () => ((await studio.evaluate('window.stats()')) as Stats).framesSent > 25,
      'the studio to send video',
      20_000,
    );

    // A student of another grade may not watch.
    const g4Socket = await connect(studentG4);
    expect((await call(g4Socket, 'live:watch', { lessonId })).error?.code).toBe('FORBIDDEN_SCOPE');

    const viewers: Page[] = [];
    for (const who of [coTeacher, student, student2]) {
      const s = who === student ? studentSocket : await connect(who);
      const w = await call(s, 'live:watch', { lessonId });
      expect(w.error).toBeUndefined();
      const page = await rtcPage(browser);
      const answer = (await page.evaluate(`window.subscribe(${JSON.stringify(w.offer!.sdp)})`)) as string;
      expect(
        (await call(s, 'live:answer', { peerId: w.peerId, answer: { type: 'answer', sdp: answer } })).error,
      ).toBeUndefined();
      viewers.push(page);
    }
    for (const page of viewers) {
      const s = await waitFor(
        async () => {
          const st = (await page.evaluate('window.stats()')) as Stats;
          return st.framesDecoded > 10 && st.audioPackets > 10 ? st : undefined;
        },
        'a viewer to decode the broadcast',
        20_000,
      );
      expect(s.videoCodec).toBe('video/H264');
    }
    await waitFor(async () => viewerCounts.at(-1) === 3, 'the studio to count 3 viewers', 5000);

    const ended = await teacher.post<{ lesson: { status: string } }>(`/api/live/${lessonId}/end`);
    expect(ended.body.lesson.status).toBe('ended');
    expect(await svc.sfu!.listRooms()).not.toContain(`lesson-${lessonId.slice(5)}`);
    expect((await teacher.post(`/api/live/${lessonId}/start`)).body.error?.code).toBe('CONFLICT');
  }, 120_000);
});
