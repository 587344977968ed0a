/**
 * A class's side room on mediasoup (loopback), at the signaling level: the
 * co-teacher opens it; only the class's members join; a student produces
 * only with the floor; the floor taken back closes the student's
 * connection; nobody outside the class gets in. (Pictures and sound through
 * the web app: tests/e2e/sideRoom.test.ts.)
 */
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { ack, SocketPool } from '../helpers/sockets.ts';
import { startTestService } from '../helpers/service.ts';

interface Reply {
  error?: { code: string; message: string };
  peerId?: string;
  id?: string;
  open?: boolean;
  publishers?: string[];
  floor?: string[];
}

const fakeRtp = { codecs: [], encodings: [{ ssrc: 2222 }], headerExtensions: [], rtcp: {} };

describe('class side room', () => {
  let svc: RunningService;
  const sockets = new SocketPool();
  const connect = (who: ApiClient) => sockets.connect(svc.url, who.token);
  const call = (s: Socket, event: string, payload: unknown) => ack<Reply>(s, event, payload);

  beforeAll(async () => {
    svc = await startTestService({
      SFU: 'mediasoup',
      MEDIASOUP_WORKERS: '1',
      MEDIASOUP_RTC_PORTS: '43400-43700',
    });
  }, 90_000);
  afterAll(async () => {
    sockets.closeAll();
    await svc?.close();
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

    // Members join the room on the SFU; an outsider does not.
    const join = async (sock: Socket) => {
      const j = await call(sock, 'sfu:join', { room: { kind: 'side', classId } });
      if (j.error) return j;
      const t = await call(sock, 'sfu:transport', { peerId: j.peerId });
      return { peerId: j.peerId, id: t.id } as Reply;
    };
    const produce = (sock: Socket, r: Reply) =>
      call(sock, 'sfu:produce', {
        peerId: r.peerId,
        transportId: r.id,
        kind: 'video',
        rtpParameters: fakeRtp,
        source: 'camera',
      });
    expect((await join(so)).error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await join(sot)).error?.code).toBe('FORBIDDEN_SCOPE');
    const tj = await join(st);
    const j2 = await join(s2);
    expect(tj.error ?? j2.error).toBeUndefined();
    // The teacher may speak (past the policy, mediasoup checks the parameters themselves).
    expect((await produce(st, tj)).error?.code).toBe('VALIDATION_FAILED');

    // A student without the floor cannot speak; with it, the policy lets them.
    const j1 = await join(s1);
    expect((await produce(s1, j1)).error?.code).toBe('FORBIDDEN_ROLE');
    expect((await call(st, 'side:floor', { classId, userId: stu1Id, on: true })).floor).toEqual([stu1Id]);
    expect((await produce(s1, j1)).error?.code).toBe('VALIDATION_FAILED');
    // Taking the floor back: refused again.
    await call(st, 'side:floor', { classId, userId: stu1Id, on: false });
    const again = await join(s1);
    expect((await produce(s1, again)).error?.code).toBe('FORBIDDEN_ROLE');
    expect(teacherId).toMatch(/^usr_/);

    // A district admin observes (督导): sees the state and joins to watch and listen, never to speak or steer;
    // a school admin is not an observer.
    const [sa, ssa] = [await connect(await as('admin')), await connect(await as('s1-admin'))];
    expect((await call(sa, 'side:state', { classId })).open).toBe(true);
    expect((await call(sa, 'side:open', { classId })).error?.code).toBe('FORBIDDEN_ROLE');
    expect((await call(sa, 'side:floor', { classId, userId: stu1Id, on: true })).error?.code).toBe(
      'FORBIDDEN_ROLE',
    );
    const aj = await join(sa);
    expect(aj.error).toBeUndefined();
    expect((await produce(sa, aj)).error?.code).toBe('FORBIDDEN_ROLE');
    expect((await call(ssa, 'side:state', { classId })).error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await join(ssa)).error?.code).toBe('FORBIDDEN_SCOPE');

    expect((await call(st, 'side:close', { classId })).error).toBeUndefined();
    expect((await call(s2, 'side:state', { classId })).open).toBe(false);
  }, 120_000);
});
