/**
 * A class's side room (小班语音视频): the co-teacher opens a voice and video
 * room on the SFU for their own class only, without touching the grade's
 * broadcast. The co-teacher publishes; a student publishes only while they
 * have the floor (given and taken back by the co-teacher); every member of
 * the class may watch; nobody else may join. State is in Redis; taking the
 * floor back closes the student's connection on whichever instance holds it.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass } from '../district/model.ts';
import type { Sfu, SfuPeer, Subscription } from '../../media/sfu/Sfu.ts';
import type { Logger } from '../logger.ts';
import { classRoom } from './classRoom.ts';
import { isRoomMember } from '../classroom/membership.ts';
import { handle, type IoServer } from './events.ts';
import type { ClientResults, ParsedPayloadOf, SideState } from '../../contracts/realtime.ts';
import { ignore } from '../../core/ignore.ts';

type SideEvent =
  | 'side:state'
  | 'side:open'
  | 'side:close'
  | 'side:floor'
  | 'side:publish'
  | 'side:watch'
  | 'side:answer'
  | 'side:trickle'
  | 'side:leave';

const key = (classId: string) => `sc:side:${classId}`;
const roomIdOf = (classId: string) => `side-${classId.replace(/^cls_/, '')}`;

export interface SideRoomDeps {
  sfu?: Sfu;
  store: DistrictStore;
  redis: Redis;
  logger: Logger;
}

export function attachSideRoom(io: IoServer, d: SideRoomDeps): void {
  const state = async (classId: string): Promise<SideState> => {
    const v = await d.redis.get(key(classId));
    return v
      ? (JSON.parse(v) as SideState)
      : { classId, open: false, roomId: roomIdOf(classId), floor: [], publishers: [] };
  };
  const save = async (s: SideState) => {
    if (s.open) await d.redis.set(key(s.classId), JSON.stringify(s), 'EX', 12 * 3600);
    else await d.redis.del(key(s.classId));
    io.to(classRoom(s.classId)).emit('side:state', s);
  };
  const sfu = () => {
    if (!d.sfu) throw new AppError('NOT_READY', 'Voice and video rooms are off on this server (SFU=off).');
    return d.sfu;
  };

  /** Peers on this instance, so a floor taken back (on any instance) closes the student's connection here. */
  const local = new Map<
    string,
    { classId: string; userId: string; peer: SfuPeer; publisher: boolean; sub?: Subscription }
  >();
  const drop = async (peerId: string) => {
    const e = local.get(peerId);
    if (!e) return;
    local.delete(peerId);
    await e.peer.close().catch(ignore('closing a peer that is already gone', d.logger));
    if (e.publisher) {
      const s = await state(e.classId);
      if (s.open) await save({ ...s, publishers: s.publishers.filter((p) => p !== e.userId) });
    }
  };
  io.on('side:revoke', (m) => {
    for (const [id, e] of local)
      if (e.publisher && e.classId === m.classId && e.userId === m.userId) void drop(id);
  });

  io.on('connection', (socket) => {
    const user = socket.data.user;
    const mine = new Set<string>();
    const options = {
      logger: d.logger,
      failed: 'side room failed',
      internalMessage: 'The side room could not be reached. Try again in a moment.',
    };
    /** A side room event: the sender must be a member of the payload's class. */
    const on = <E extends SideEvent>(
      event: E,
      fn: (p: ParsedPayloadOf<E>, cls: SchoolClass) => Promise<ClientResults[E]>,
    ) =>
      handle(socket, event, options, async (p) => {
        const cls = await d.store.getClass(p.classId);
        if (!cls) throw new AppError('NOT_FOUND', 'This class was not found.');
        if (!isRoomMember(user, cls))
          throw new AppError(
            'FORBIDDEN_SCOPE',
            'Only the students and teachers of this class can use its side room.',
          );
        return fn(p, cls);
      });
    const teacherOnly = () => {
      if (user.role !== 'co_teacher')
        throw new AppError('FORBIDDEN_ROLE', 'Only the class’s teachers can do this.');
    };

    on('side:state', async (_p, cls) => state(cls.id));

    on('side:open', async (_p, cls) => {
      teacherOnly();
      const s = await state(cls.id);
      await sfu().ensureRoom({
        id: s.roomId,
        description: `side room ${cls.name}`,
        maxPublishers: 6,
        videoCodec: 'h264',
        bitrate: 600_000,
        keyframeEverySec: 5,
      });
      const next = { ...s, open: true, openedBy: user.id };
      await save(next);
      return next;
    });

    on('side:close', async (_p, cls) => {
      teacherOnly();
      const s = await state(cls.id);
      if (s.open)
        await sfu().destroyRoom(s.roomId).catch(ignore('the side room may be gone already', d.logger));
      await save({ ...s, open: false, floor: [], publishers: [] });
      return { ok: true };
    });

    on('side:floor', async (p, cls) => {
      teacherOnly();
      const target = await d.store.getUser(p.userId);
      if (!target || target.role !== 'student' || !target.classIds?.includes(cls.id))
        throw new AppError('NOT_FOUND', 'That student is not in this class.');
      const s = await state(cls.id);
      if (!s.open) throw new AppError('CONFLICT', 'Open the side room first.');
      const floor = p.on ? [...new Set([...s.floor, target.id])] : s.floor.filter((x) => x !== target.id);
      await save({ ...s, floor });
      if (!p.on) io.serverSideEmit('side:revoke', { classId: cls.id, userId: target.id });
      if (!p.on)
        for (const [id, e] of local)
          if (e.publisher && e.classId === cls.id && e.userId === target.id) await drop(id);
      return { ok: true, floor };
    });

    on('side:publish', async (p, cls) => {
      const s = await state(cls.id);
      if (!s.open) throw new AppError('CONFLICT', 'The side room is not open.');
      if (user.role === 'student' && !s.floor.includes(user.id))
        throw new AppError(
          'FORBIDDEN_ROLE',
          'Raise your hand: your teacher gives the floor before you can speak.',
        );
      const { peer, answer } = await sfu().publish(
        s.roomId,
        { id: user.id, display: user.displayName },
        p.offer,
      );
      local.set(peer.id, { classId: cls.id, userId: user.id, peer, publisher: true });
      mine.add(peer.id);
      peer.once('down', () => void drop(peer.id));
      // Listed (so classmates can watch) once media flows.
      peer.once('up', () => {
        void state(cls.id)
          .then((now) =>
            now.open ? save({ ...now, publishers: [...new Set([...now.publishers, user.id])] }) : undefined,
          )
          .catch(ignore('recording a speaker of a room that closed meanwhile', d.logger));
      });
      return { peerId: peer.id, answer };
    });

    on('side:watch', async (p, cls) => {
      const s = await state(cls.id);
      const { publisherId } = p;
      if (!s.open || !s.publishers.includes(publisherId))
        throw new AppError('CONFLICT', 'That person is not speaking in the side room now.');
      const sub = await sfu().subscribe(s.roomId, publisherId);
      local.set(sub.peer.id, { classId: cls.id, userId: user.id, peer: sub.peer, publisher: false, sub });
      mine.add(sub.peer.id);
      sub.peer.once('down', () => void drop(sub.peer.id));
      return { peerId: sub.peer.id, offer: sub.offer };
    });

    const own = (peerId: string) => {
      const e = mine.has(peerId) ? local.get(peerId) : undefined;
      if (!e) throw new AppError('NOT_FOUND', 'Unknown connection; join the side room again.');
      return e;
    };
    on('side:answer', async (p) => {
      const e = own(p.peerId);
      if (!e.sub) throw new AppError('NOT_FOUND', 'Unknown viewer connection.');
      await e.sub.start(p.answer);
      return { ok: true };
    });
    on('side:trickle', async (p) => {
      await own(p.peerId).peer.trickle(p.candidate);
      return { ok: true };
    });
    on('side:leave', async (p) => {
      if (mine.has(p.peerId)) await drop(p.peerId);
      return { ok: true };
    });
    socket.on('disconnect', () => {
      for (const id of mine) void drop(id);
    });
  });
}
