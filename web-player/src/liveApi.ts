/** Live lessons: REST calls and the socket.io signaling used by the studio and viewer pages. */
import { call } from './api.ts';
import { ask } from './realtime.ts';
import type { LiveLessonView } from '../../contracts/live.ts';
import type { ClientEvent, ClientResults, PayloadOf } from '../../contracts/realtime.ts';

export type { LiveLessonView };

export const liveApi = {
  list: () => call('GET /api/live'),
  get: (id: string) => call('GET /api/live/:id', { params: { id } }),
  create: (body: { title: string; grade: number; subject: string }) => call('POST /api/live', { body }),
  start: (id: string, outsideSlotReason?: string) =>
    call('POST /api/live/:id/start', {
      params: { id },
      body: outsideSlotReason ? { outsideSlotReason } : {},
    }),
  allowOutsideSlot: (id: string, reason: string) =>
    call('POST /api/live/:id/allow-outside-slot', { params: { id }, body: { reason, minutes: 60 } }),
  playback: (id: string) => call('GET /api/live/:id/playback', { params: { id } }),
  end: (id: string) => call('POST /api/live/:id/end', { params: { id } }),
};

export class SignalError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** One call over socket.io (contracts/realtime.ts); the server answers the result or {error:{code,message}}. */
export async function signal<E extends ClientEvent>(
  event: E,
  payload: PayloadOf<E>,
): Promise<ClientResults[E]> {
  const reply = await ask(event, payload, 20_000);
  if ('error' in reply) throw new SignalError(reply.error.code, reply.error.message);
  return reply;
}
