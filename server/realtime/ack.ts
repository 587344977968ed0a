/**
 * Answering a socket.io call through its acknowledgement: the result (or
 * `{ok:true}`), an AppError as `{error:{code,message}}`, anything else logged
 * and answered with INTERNAL and a message for people.
 */
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export function answerAck(
  ack: unknown,
  run: () => Promise<unknown>,
  o: { logger: Logger; userId: string; failed: string; internalMessage: string },
): void {
  const reply = typeof ack === 'function' ? (ack as (r: unknown) => void) : () => undefined;
  run()
    .then((r) => reply(r ?? { ok: true }))
    .catch((err: unknown) => {
      if (err instanceof AppError) return reply(err.toJSON());
      o.logger.warn({ err, user: o.userId }, o.failed);
      reply(new AppError('INTERNAL', o.internalMessage).toJSON());
    });
}
