/**
 * The class room over socket.io: only the class's students and co-teachers
 * join (`room:join`) and read; students chat, ask questions and raise their
 * hand; co-teachers answer, pin, delete and mute a student for a while.
 * A district admin may join any class's room to read only (督导); the class
 * is told who observes (room:observers).
 * Messages with links or advertising are refused with a notice. With the
 * Redis adapter every instance's members get every message.
 */
import type { Logger } from '../logger.ts';
import { AppError, rateLimited } from '../errors.ts';
import { handle, type IoServer } from './events.ts';
import { isRoomMember, isRoomObserver } from '../classroom/membership.ts';
import type { ClientResults, ParsedPayloadOf } from '../../contracts/realtime.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass } from '../district/model.ts';
import { checkMessage } from '../classroom/contentFilter.ts';
import { ClassRoomStore, type RoomMessage } from '../classroom/ClassRoomStore.ts';

export const classRoom = (classId: string) => `room:${classId}`;

const tooFast = (waitSec: number): AppError =>
  rateLimited(
    `You are sending messages too fast. Wait ${waitSec} s and send again.`,
    waitSec,
    `发得太快了，请等 ${waitSec} 秒再发。`,
  );

type RoomEvent =
  'room:join' | 'room:send' | 'room:hand' | 'room:answer' | 'room:pin' | 'room:delete' | 'room:mute';

export interface ClassRoomDeps {
  rooms: ClassRoomStore;
  store: DistrictStore;
  logger: Logger;
}

export function attachClassRoom(io: IoServer, d: ClassRoomDeps): void {
  io.on('connection', (socket) => {
    const user = socket.data.user;
    const findClass = async (classId: string): Promise<SchoolClass> => {
      const cls = await d.store.getClass(classId);
      if (!cls)
        throw new AppError('NOT_FOUND', 'This class was not found.', undefined, {
          messageZh: '没有这个班级。',
        });
      return cls;
    };
    const member = async (classId: string): Promise<SchoolClass> => {
      const cls = await findClass(classId);
      if (!isRoomMember(user, cls))
        throw new AppError(
          'FORBIDDEN_SCOPE',
          'Only the students and teachers of this class can use its room.',
          undefined,
          { messageZh: '只有本班的同学和老师可以进入班级讨论区。' },
        );
      return cls;
    };
    const options = {
      logger: d.logger,
      failed: 'class room action failed',
      internalMessage: 'Something went wrong; try again.',
    };
    /** A class room event: the sender must be a member of the payload's class. */
    const on = <E extends RoomEvent>(
      event: E,
      fn: (p: ParsedPayloadOf<E>, cls: SchoolClass) => Promise<ClientResults[E]>,
    ) => handle(socket, event, options, async (p) => fn(p, await member(p.classId)));
    const staffOnly = () => {
      if (user.role !== 'co_teacher')
        throw new AppError('FORBIDDEN_ROLE', 'Only the class’s teachers can do this.', undefined, {
          messageZh: '只有老师可以这样做。',
        });
    };
    const emitUpdate = (m: RoomMessage) =>
      io.to(classRoom(m.classId)).emit('room:message', m.deleted ? { ...m, text: '' } : m);
    /** Posts a message as this user: within their send limits, past the filter; stored and pushed. */
    const post = async (m: Omit<RoomMessage, 'id' | 'at' | 'userId' | 'name'>): Promise<RoomMessage> => {
      const wait = await d.rooms.takeSendSlot(m.classId, user.id, m.role);
      if (wait > 0) throw tooFast(wait);
      const verdict = checkMessage(m.text);
      if (!verdict.ok)
        throw new AppError('MESSAGE_BLOCKED', verdict.message!.en, undefined, {
          messageZh: verdict.message!['zh-CN'],
          reason: verdict.reason,
        });
      const stored = await d.rooms.add({
        ...m,
        userId: user.id,
        name: user.displayName,
        text: m.text.trim(),
      });
      emitUpdate(stored);
      return stored;
    };

    /** The supervisors reading a room now, on every instance (the adapter fetches their sockets). */
    const observersOf = async (classId: string): Promise<string[]> => {
      const sockets = await io.in(classRoom(classId)).fetchSockets();
      return [
        ...new Set(
          sockets
            .filter((s) => s.data.user && isRoomObserver(s.data.user))
            .map((s) => s.data.user.displayName),
        ),
      ].sort();
    };
    const announceObservers = async (classId: string) =>
      io.to(classRoom(classId)).emit('room:observers', { classId, observers: await observersOf(classId) });

    // Members join to take part; a district admin (督导, 进群听课) joins any class's room to read only,
    // and the class sees that an observer is present. Every other event still needs a member.
    handle(socket, 'room:join', options, async (p) => {
      const observer = isRoomObserver(user);
      const cls = observer ? await findClass(p.classId) : await member(p.classId);
      await socket.join(classRoom(cls.id));
      const [history, pinned, hands, mutedUntil] = await Promise.all([
        d.rooms.page(cls.id),
        d.rooms.pinned(cls.id),
        d.rooms.hands(cls.id),
        observer ? Promise.resolve(undefined) : d.rooms.mutedUntil(cls.id, user.id),
      ]);
      // Who observes, fetched once: the class is told when an observer arrives, the joiner in the answer.
      const observers = await observersOf(cls.id);
      if (observer) {
        observing.add(cls.id);
        io.to(classRoom(cls.id)).emit('room:observers', { classId: cls.id, observers });
      }
      return {
        ok: true,
        ...history,
        pinned,
        hands,
        mutedUntil: mutedUntil ?? null,
        observers,
        readOnly: observer,
      };
    });
    const observing = new Set<string>();
    socket.on('disconnect', () => {
      for (const classId of observing)
        void announceObservers(classId).catch((err: unknown) =>
          d.logger.debug({ err }, 'announcing observers after a disconnect'),
        );
    });

    on('room:send', async (p, cls) => {
      const until = user.role === 'student' ? await d.rooms.mutedUntil(cls.id, user.id) : undefined;
      if (until)
        throw new AppError(
          'FORBIDDEN_SCOPE',
          `Your teacher has muted you until ${new Date(until).toISOString().slice(11, 16)} UTC.`,
          undefined,
          {
            messageZh: `老师暂时让你安静一会儿，${Math.ceil((until - Date.now()) / 60_000)} 分钟后可以再发言。`,
          },
        );
      const m = await post({
        classId: cls.id,
        role: user.role as 'student' | 'co_teacher',
        kind: p.kind,
        text: p.text,
      });
      if (p.kind === 'question' && user.role === 'student') await d.rooms.setHand(cls.id, user.id, false);
      return { ok: true, message: m };
    });

    on('room:hand', async (p, cls) => {
      if (user.role !== 'student') throw new AppError('FORBIDDEN_ROLE', 'Only students raise their hand.');
      const hands = await d.rooms.setHand(cls.id, user.id, p.up);
      io.to(classRoom(cls.id)).emit('room:hands', { classId: cls.id, hands });
      return { ok: true };
    });

    on('room:answer', async (p, cls) => {
      staffOnly();
      const q = await d.rooms.get(cls.id, p.questionId);
      if (!q || q.kind !== 'question' || q.deleted)
        throw new AppError('NOT_FOUND', 'That question was not found.');
      const a = await post({
        classId: cls.id,
        role: 'co_teacher',
        kind: 'answer',
        text: p.text,
        replyTo: q.id,
      });
      emitUpdate((await d.rooms.update(cls.id, q.id, { answeredBy: a.id }))!);
      await d.rooms.countAnswer(user.id);
      await d.rooms.setHand(cls.id, q.userId, false);
      return { ok: true, message: a };
    });

    on('room:pin', async (p, cls) => {
      staffOnly();
      const m = await d.rooms.update(cls.id, p.messageId, { pinned: p.pinned });
      if (!m) throw new AppError('NOT_FOUND', 'That message was not found.');
      emitUpdate(m);
      return { ok: true };
    });

    on('room:delete', async (p, cls) => {
      staffOnly();
      const m = await d.rooms.update(cls.id, p.messageId, { deleted: true, pinned: false });
      if (!m) throw new AppError('NOT_FOUND', 'That message was not found.');
      emitUpdate(m);
      return { ok: true };
    });

    on('room:mute', async (p, cls) => {
      staffOnly();
      const target = await d.store.getUser(p.userId);
      if (!target || target.role !== 'student' || !target.classIds?.includes(cls.id))
        throw new AppError('NOT_FOUND', 'That student is not in this class.');
      const minutes = Math.round(p.minutes);
      if (minutes === 0) await d.rooms.unmute(cls.id, target.id);
      const until = minutes ? await d.rooms.mute(cls.id, target.id, minutes) : null;
      io.to(classRoom(cls.id)).emit('room:muted', { classId: cls.id, userId: target.id, until });
      return { ok: true, until };
    });
  });
}
