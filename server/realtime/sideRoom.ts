/**
 * A class's side room (小班语音视频): the co-teacher opens a voice and video
 * room on the SFU for their own class only, without touching the grade's
 * broadcast. The co-teacher publishes; a student publishes only while they
 * have the floor (given and taken back by the co-teacher); every member of
 * the class may watch; a district admin may watch and listen as an observer
 * (督导, never publishing; the class room shows who observes); nobody else
 * may join. State is in Redis; taking the
 * floor back closes the student's publishing connection on whichever
 * instance holds it. Media goes through sfuSignaling.ts with this policy.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass, User } from '../district/model.ts';
import type { MediaPlane } from '../cluster/ClusterMedia.ts';
import type { Logger } from '../logger.ts';
import { classRoom } from './classRoom.ts';
import { isRoomObserver, mayReadRoom } from '../classroom/membership.ts';
import { handle, type IoServer } from './events.ts';
import type { ClientResults, ParsedPayloadOf, SideState } from '../../contracts/realtime.ts';
import type { PolicyFactory, RoomPolicy, SfuSignaling } from './sfuSignaling.ts';
import { ignore } from '../../core/ignore.ts';

type SideEvent = 'side:state' | 'side:open' | 'side:close' | 'side:floor';

const key = (classId: string) => `sc:side:${classId}`;
const roomIdOf = (classId: string) => `side-${classId.replace(/^cls_/, '')}`;
export const sideRoomKey = (classId: string) => `side:${classId}`;

export interface SideRoomDeps {
  media?: MediaPlane;
  store: DistrictStore;
  redis: Redis;
  logger: Logger;
}

export interface SideRoom {
  policy: PolicyFactory;
  /** Set once the SFU signaling exists (it closes a student's publishing peers when the floor is taken back). */
  connect(signaling: SfuSignaling): void;
}

export function attachSideRoom(io: IoServer, d: SideRoomDeps): SideRoom {
  let signaling: SfuSignaling | undefined;
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
    if (!d.media) throw new AppError('NOT_READY', 'Voice and video rooms are off on this server (SFU=off).');
    return d.media;
  };
  /** The class, for its members — and for a district admin observing (督导: watches and listens, never speaks). */
  const member = async (user: User, classId: string): Promise<SchoolClass> => {
    const cls = await d.store.getClass(classId);
    if (!cls) throw new AppError('NOT_FOUND', 'This class was not found.');
    if (!mayReadRoom(user, cls))
      throw new AppError(
        'FORBIDDEN_SCOPE',
        'Only the students and teachers of this class can use its side room.',
      );
    return cls;
  };
  const revokeHere = (classId: string, userId: string) =>
    signaling
      ?.closePublishers(sideRoomKey(classId), userId)
      .catch(ignore('closing a speaker who already left', d.logger));
  io.on('side:revoke', (m) => void revokeHere(m.classId, m.userId));

  io.on('connection', (socket) => {
    const user = socket.data.user;
    const options = {
      logger: d.logger,
      failed: 'side room failed',
      internalMessage: 'The side room could not be reached. Try again in a moment.',
    };
    const on = <E extends SideEvent>(
      event: E,
      fn: (p: ParsedPayloadOf<E>, cls: SchoolClass) => Promise<ClientResults[E]>,
    ) => handle(socket, event, options, async (p) => fn(p, await member(user, p.classId)));
    const teacherOnly = () => {
      if (user.role !== 'co_teacher')
        throw new AppError('FORBIDDEN_ROLE', 'Only the class’s teachers can do this.');
    };

    on('side:state', async (_p, cls) => state(cls.id));

    on('side:open', async (_p, cls) => {
      teacherOnly();
      const s = await state(cls.id);
      await sfu().ensureRoom(sideRoomSpec(cls, s.roomId));
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
      if (!p.on) {
        io.serverSideEmit('side:revoke', { classId: cls.id, userId: target.id });
        await revokeHere(cls.id, target.id);
      }
      return { ok: true, floor };
    });
  });

  const policy: PolicyFactory = async (user, room): Promise<RoomPolicy> => {
    if (room.kind !== 'side') throw new AppError('BAD_REQUEST', 'Not a side room.');
    const cls = await member(user, room.classId);
    const roomId = roomIdOf(cls.id);
    return {
      sfuRoomId: roomId,
      socketRoom: classRoom(cls.id),
      roomKey: sideRoomKey(cls.id),
      async join() {
        const s = await state(cls.id);
        if (!s.open) throw new AppError('CONFLICT', 'The side room is not open.');
        await sfu().ensureRoom(sideRoomSpec(cls, roomId)); // after an SFU restart
      },
      async produce() {
        if (isRoomObserver(user))
          throw new AppError(
            'FORBIDDEN_ROLE',
            'Observers watch and listen only; they do not speak in a class’s side room.',
            undefined,
            {
              messageZh: '旁听时只能看和听，不能发言。',
            },
          );
        const s = await state(cls.id);
        if (!s.open) throw new AppError('CONFLICT', 'The side room is not open.');
        if (user.role === 'student' && !s.floor.includes(user.id))
          throw new AppError(
            'FORBIDDEN_ROLE',
            'Raise your hand: your teacher gives the floor before you can speak.',
          );
      },
      async onProduced() {
        const now = await state(cls.id);
        if (now.open && !now.publishers.includes(user.id))
          await save({ ...now, publishers: [...now.publishers, user.id] });
      },
      async onLeft(_peerId, wasPublishing) {
        if (!wasPublishing) return;
        const now = await state(cls.id);
        if (now.open) await save({ ...now, publishers: now.publishers.filter((x) => x !== user.id) });
      },
    };
  };
  return {
    policy,
    connect(s) {
      signaling = s;
    },
  };
}

function sideRoomSpec(cls: SchoolClass, roomId: string) {
  return {
    id: roomId,
    description: `side room ${cls.name}`,
    maxPublishers: 6,
    videoCodec: 'vp8' as const,
    bitrate: 600_000,
    keyframeEverySec: 5,
    detectSpeakers: true,
  };
}
