/**
 * A class's side room on the real SFU (Janus in a private network
 * namespace, Chromium pages with fake cameras): the co-teacher opens it and
 * speaks; a student speaks only with the floor; classmates watch both;
 * nobody outside the class gets in; taking the floor back ends the
 * student's stream.
 */
import { type Browser } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { canCreateNetns } from '../helpers/netns.ts';
import { rtcPage, type Stats } from '../helpers/rtcPage.ts';
import { startLiveStack, type LiveStack } from '../helpers/liveStack.ts';
import { waitFor } from '../helpers/waitFor.ts';

const cannot = canCreateNetns();

interface Reply {
  error?: { code: string; message: string };
  peerId?: string;
  answer?: { type: string; sdp: string };
  offer?: { type: string; sdp: string };
  open?: boolean;
  publishers?: string[];
  floor?: string[];
}

describe.skipIf(!!cannot)(`class side room${cannot ? ` (skipped: ${cannot})` : ''}`, () => {
  let stack: LiveStack;
  let svc: RunningService;
  let browser: Browser;
  const sockets = new SocketPool();
  const connect = (who: ApiClient) => sockets.connect(svc.url, who.token);
  const call = (s: Socket, event: string, payload: unknown) => ack<Reply>(s, event, payload);

  beforeAll(async () => {
    stack = await startLiveStack('side', '43400-43700');
    ({ svc, browser } = stack);
  }, 90_000);
  afterAll(async () => {
    sockets.closeAll();
    await stack?.close();
  });

  it('opens for the class only; the floor decides who speaks; classmates see and hear', async () => {
    const as = (u: string) => ApiClient.as(svc.url, u);
    const [teacher, stu1, stu2, outsider, otherTeacher] = [
      await as('t-s1-g3-1'),
      await as('s1-g3-1-01'),
      await as('s1-g3-1-02'),
      await as('s1-g3-2-01'),
      await as('t-s1-g3-2'),
    ];
    const classId = (await stu1.get<{ user: { classIds: string[]; id: string } }>('/api/me')).body.user
      .classIds[0]!;
    const stu1Id = (await stu1.get<{ user: { id: string } }>('/api/me')).body.user.id;
    const teacherId = (await teacher.get<{ user: { id: string } }>('/api/me')).body.user.id;
    const [st, s1, s2, so, sot] = [
      await connect(teacher),
      await connect(stu1),
      await connect(stu2),
      await connect(outsider),
      await connect(otherTeacher),
    ];

    expect((await call(s1, 'side:open', { classId })).error?.code).toBe('FORBIDDEN_ROLE');
    expect((await call(sot, 'side:open', { classId })).error?.code).toBe('FORBIDDEN_SCOPE');
    const opened = await call(st, 'side:open', { classId });
    expect(opened.open).toBe(true);
    expect((await call(so, 'side:state', { classId })).error?.code).toBe('FORBIDDEN_SCOPE');

    // The teacher speaks; a classmate watches.
    const tPage = await rtcPage(browser);
    const tPub = await call(st, 'side:publish', {
      classId,
      offer: { type: 'offer', sdp: await tPage.evaluate('window.publish()') },
    });
    expect(tPub.error).toBeUndefined();
    await tPage.evaluate(`window.answer(${JSON.stringify(tPub.answer!.sdp)})`);
    const watch = async (s: Socket, publisherId: string) => {
      await waitFor(
        async () => (await call(s, 'side:state', { classId })).publishers!.includes(publisherId),
        'the speaker to be listed',
        20_000,
      );
      const w = await call(s, 'side:watch', { classId, publisherId });
      expect(w.error).toBeUndefined();
      const page = await rtcPage(browser);
      const answer = (await page.evaluate(`window.subscribe(${JSON.stringify(w.offer!.sdp)})`)) as string;
      expect(
        (await call(s, 'side:answer', { classId, peerId: w.peerId, answer: { type: 'answer', sdp: answer } }))
          .error,
      ).toBeUndefined();
      return waitFor(
        async () => {
          const stt = (await page.evaluate('window.stats()')) as Stats;
          return stt.framesDecoded > 10 && stt.audioPackets > 10 ? stt : undefined;
        },
        'a classmate to see and hear',
        20_000,
      );
    };
    await watch(s2, teacherId);
    expect((await call(so, 'side:watch', { classId, publisherId: teacherId })).error?.code).toBe(
      'FORBIDDEN_SCOPE',
    );

    // A student without the floor cannot speak; with it, they can, and classmates see them.
    const sPage = await rtcPage(browser);
    const offer = { type: 'offer', sdp: await sPage.evaluate('window.publish()') };
    expect((await call(s1, 'side:publish', { classId, offer })).error?.code).toBe('FORBIDDEN_ROLE');
    expect((await call(st, 'side:floor', { classId, userId: stu1Id, on: true })).floor).toEqual([stu1Id]);
    const sPub = await call(s1, 'side:publish', { classId, offer });
    expect(sPub.error).toBeUndefined();
    await sPage.evaluate(`window.answer(${JSON.stringify(sPub.answer!.sdp)})`);
    await watch(s2, stu1Id);
    expect((await call(s2, 'side:state', { classId })).publishers!.sort()).toEqual(
      [stu1Id, teacherId].sort(),
    );

    // Taking the floor back ends the student's stream.
    await call(st, 'side:floor', { classId, userId: stu1Id, on: false });
    await waitFor(
      async () => !(await call(s2, 'side:state', { classId })).publishers!.includes(stu1Id),
      'the student to stop publishing',
      5000,
    );
    expect((await call(st, 'side:close', { classId })).error).toBeUndefined();
    expect((await call(s2, 'side:state', { classId })).open).toBe(false);
  }, 120_000);
});
