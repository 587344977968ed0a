/**
 * The class room over socket.io: only the class's students and co-teachers
 * join (`room:join`) and read; students chat, ask questions and raise their
 * hand; co-teachers answer, pin, delete and mute a student for a while.
 * Messages with links or advertising are refused with a notice. With the
 * Redis adapter every instance's members get every message.
 */
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { SchoolClass, User } from '../district/model.ts';
import { checkMessage } from '../classroom/contentFilter.ts';
import { ClassRoomStore, type RoomMessage } from '../classroom/ClassRoomStore.ts';

export const classRoom = (classId: string) => `room:${classId}`;

/** Members of a class room: its students and its co-teachers. Nobody else, not even admins, reads it. */
export function isRoomMember(user: User, cls: SchoolClass): boolean {
  return (
    (user.role === 'student' || user.role === 'co_teacher') && (user.classIds?.includes(cls.id) ?? false)
  );
}

type Reply = {
  ok?: true;
  error?: { code: string; message: string; messageZh?: string };
  [k: string]: unknown;
};
type Ack = (r: Reply) => void;

const err = (code: string, message: string, messageZh?: string): Reply => ({
  error: { code, message, ...(messageZh ? { messageZh } : {}) },
});

const tooFast = (waitSec: number): Reply => ({
  ...err(
    'RATE_LIMITED',
    `You are sending messages too fast. Wait ${waitSec} s and send again.`,
    `发得太快了，请等 ${waitSec} 秒再发。`,
  ),
  retryAfterSec: waitSec,
});

export interface ClassRoomDeps {
  rooms: ClassRoomStore;
  store: DistrictStore;
  logger: Logger;
}

export function attachClassRoom(io: Server, d: ClassRoomDeps): void {
  io.on('connection', (socket: Socket) => {
    const user = socket.data.user as User;
    const member = async (classId: unknown): Promise<SchoolClass | Reply> => {
      const cls = typeof classId === 'string' ? await d.store.getClass(classId) : undefined;
      if (!cls) return err('NOT_FOUND', 'This class was not found.', '没有这个班级。');
      if (!isRoomMember(user, cls))
        return err(
          'FORBIDDEN_SCOPE',
          'Only the students and teachers of this class can use its room.',
          '只有本班的同学和老师可以进入班级讨论区。',
        );
      return cls;
    };
    const handler =
      (fn: (body: Record<string, unknown>, cls: SchoolClass) => Promise<Reply>) =>
      async (raw: unknown, ack?: Ack) => {
        try {
          const body = (raw ?? {}) as Record<string, unknown>;
          const cls = await member(body.classId);
          if ('error' in cls) return ack?.(cls as Reply);
          ack?.(await fn(body, cls as SchoolClass));
        } catch (e) {
          d.logger.warn({ err: e }, 'class room action failed');
          ack?.(err('INTERNAL', 'Something went wrong; try again.'));
        }
      };
    const staffOnly = () =>
      user.role === 'co_teacher'
        ? undefined
        : err('FORBIDDEN_ROLE', 'Only the class’s teachers can do this.', '只有老师可以这样做。');
    const emitUpdate = (m: RoomMessage) =>
      io.to(classRoom(m.classId)).emit('room:message', m.deleted ? { ...m, text: '' } : m);

    socket.on(
      'room:join',
      handler(async (_b, cls) => {
        await socket.join(classRoom(cls.id));
        const [history, pinned, hands, mutedUntil] = await Promise.all([
          d.rooms.page(cls.id),
          d.rooms.pinned(cls.id),
          d.rooms.hands(cls.id),
          d.rooms.mutedUntil(cls.id, user.id),
        ]);
        return { ok: true, ...history, pinned, hands, mutedUntil: mutedUntil ?? null };
      }),
    );

    socket.on(
      'room:send',
      handler(async (b, cls) => {
        const kind = b.kind === 'question' ? 'question' : 'chat';
        const text = typeof b.text === 'string' ? b.text : '';
        const until = user.role === 'student' ? await d.rooms.mutedUntil(cls.id, user.id) : undefined;
        if (until)
          return err(
            'FORBIDDEN_SCOPE',
            `Your teacher has muted you until ${new Date(until).toISOString().slice(11, 16)} UTC.`,
            `老师暂时让你安静一会儿，${Math.ceil((until - Date.now()) / 60_000)} 分钟后可以再发言。`,
          );
        const wait = await d.rooms.takeSendSlot(cls.id, user.id, user.role as 'student' | 'co_teacher');
        if (wait > 0) return tooFast(wait);
        const verdict = checkMessage(text);
        if (!verdict.ok)
          return {
            ...err('MESSAGE_BLOCKED', verdict.message!.en, verdict.message!['zh-CN']),
            reason: verdict.reason,
          };
        const m = await d.rooms.add({
          classId: cls.id,
          userId: user.id,
          name: user.displayName,
          role: user.role as 'student' | 'co_teacher',
          kind,
          text: text.trim(),
        });
        emitUpdate(m);
        if (kind === 'question' && user.role === 'student') await d.rooms.setHand(cls.id, user.id, false);
        return { ok: true, message: m };
      }),
    );

    socket.on(
      'room:hand',
      handler(async (b, cls) => {
        if (user.role !== 'student') return err('FORBIDDEN_ROLE', 'Only students raise their hand.');
        const hands = await d.rooms.setHand(cls.id, user.id, b.up === true);
        io.to(classRoom(cls.id)).emit('room:hands', { classId: cls.id, hands });
        return { ok: true };
      }),
    );

    const answerSchema = z.object({ questionId: z.number().int().positive(), text: z.string() });
    socket.on(
      'room:answer',
      handler(async (b, cls) => {
        const denied = staffOnly();
        if (denied) return denied;
        const p = answerSchema.safeParse(b);
        if (!p.success) return err('VALIDATION_FAILED', 'questionId and text are needed.');
        const q = await d.rooms.get(cls.id, p.data.questionId);
        if (!q || q.kind !== 'question' || q.deleted) return err('NOT_FOUND', 'That question was not found.');
        const wait = await d.rooms.takeSendSlot(cls.id, user.id, 'co_teacher');
        if (wait > 0) return tooFast(wait);
        const verdict = checkMessage(p.data.text);
        if (!verdict.ok) return err('MESSAGE_BLOCKED', verdict.message!.en, verdict.message!['zh-CN']);
        const a = await d.rooms.add({
          classId: cls.id,
          userId: user.id,
          name: user.displayName,
          role: 'co_teacher',
          kind: 'answer',
          text: p.data.text.trim(),
          replyTo: q.id,
        });
        emitUpdate(a);
        emitUpdate((await d.rooms.update(cls.id, q.id, { answeredBy: a.id }))!);
        await d.rooms.countAnswer(user.id);
        await d.rooms.setHand(cls.id, q.userId, false);
        return { ok: true, message: a };
      }),
    );

    socket.on(
      'room:pin',
      handler(async (b, cls) => {
        const denied = staffOnly();
        if (denied) return denied;
        const m = await d.rooms.update(cls.id, Number(b.messageId), { pinned: b.pinned !== false });
        if (!m) return err('NOT_FOUND', 'That message was not found.');
        emitUpdate(m);
        return { ok: true };
      }),
    );

    socket.on(
      'room:delete',
      handler(async (b, cls) => {
        const denied = staffOnly();
        if (denied) return denied;
        const m = await d.rooms.update(cls.id, Number(b.messageId), { deleted: true, pinned: false });
        if (!m) return err('NOT_FOUND', 'That message was not found.');
        emitUpdate(m);
        return { ok: true };
      }),
    );

    socket.on(
      'room:mute',
      handler(async (b, cls) => {
        const denied = staffOnly();
        if (denied) return denied;
        const target = typeof b.userId === 'string' ? await d.store.getUser(b.userId) : undefined;
        if (!target || target.role !== 'student' || !target.classIds?.includes(cls.id))
          return err('NOT_FOUND', 'That student is not in this class.');
        const minutes = Math.min(60, Math.max(0, Math.round(Number(b.minutes ?? 5))));
        if (minutes === 0) await d.rooms.unmute(cls.id, target.id);
        const until = minutes ? await d.rooms.mute(cls.id, target.id, minutes) : null;
        io.to(classRoom(cls.id)).emit('room:muted', { classId: cls.id, userId: target.id, until });
        return { ok: true, until };
      }),
    );
  });
}
