/**
 * The typed socket.io server: events both ways from contracts/realtime.ts,
 * and `handle()`, the one way a client event is answered. The payload is
 * parsed by its schema first (a malformed one never reaches the handler and
 * is answered VALIDATION_FAILED with what was wrong); the handler's result,
 * or its AppError as `{error:{code,message,…}}`, goes back through the
 * acknowledgement; anything else is logged with its stack and answered
 * INTERNAL with a message for people.
 */
import type { Server, Socket } from 'socket.io';
import { AppError } from '../errors.ts';
import { toAppError } from '../errorMapping.ts';
import type { Logger } from '../logger.ts';
import type { User } from '../district/model.ts';
import {
  clientPayloads,
  type ClientEvent,
  type ClientResults,
  type ClientToServerEvents,
  type InterServerEvents,
  type ParsedPayloadOf,
  type ServerToClientEvents,
} from '../../contracts/realtime.ts';

export interface SocketData {
  user: User;
  sessionId: string;
}
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface HandleOptions {
  logger: Logger;
  /** The log line when the handler fails unexpectedly. */
  failed: string;
  /** What the user reads then. */
  internalMessage: string;
}

export function handle<E extends ClientEvent>(
  socket: IoSocket,
  event: E,
  o: HandleOptions,
  fn: (payload: ParsedPayloadOf<E>) => Promise<ClientResults[E]>,
): void {
  const listener = (payload: unknown, ack?: unknown) => {
    const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => undefined;
    const parsed = clientPayloads[event].safeParse(payload ?? {});
    if (!parsed.success) {
      const text = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
        .join('; ');
      reply(new AppError('VALIDATION_FAILED', `${event}: ${text}`).toJSON());
      return;
    }
    fn(parsed.data as ParsedPayloadOf<E>).then(reply, (err: unknown) => {
      const known = toAppError(err);
      if (known) return reply(known.toJSON());
      o.logger.warn({ err, user: socket.data.user.id, event }, o.failed);
      reply(new AppError('INTERNAL', o.internalMessage).toJSON());
    });
  };
  // socket.io's typed `on` cannot follow a generic event name; the listener's types are checked above.
  (socket.on as (event: string, listener: (...args: unknown[]) => void) => void)(event, listener);
}
