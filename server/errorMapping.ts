/**
 * The one place where errors of the lower layers become the API's typed
 * errors (server/errors.ts): a storage key that is not allowed or not
 * there, a head-end address that is refused, a channel still starting, a
 * malformed request body. Anything not listed is a fault: the HTTP error
 * handler and the socket.io `handle()` log it with its stack and answer
 * INTERNAL.
 */
import { AppError } from './errors.ts';
import { StorageError } from '../core/storage/Storage.ts';
import { OutputUrlError } from '../media/channel/headEnd.ts';
import { ChannelStarting } from './channels/ChannelService.ts';

/** Redis is away for a moment (a failover, a restart): ioredis gave up on this command. */
function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  return /^(Connection is closed\.|Stream isn't writeable|READONLY|LOADING|MASTERDOWN|connect ECONNREFUSED)/.test(
    err.message,
  );
}

export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof StorageError) {
    if (err.code === 'INVALID_KEY') return new AppError('BAD_REQUEST', 'This file path is not allowed.');
    if (err.code === 'NOT_FOUND')
      return new AppError('NOT_FOUND', 'This file does not exist (it may have been deleted).');
    return undefined;
  }
  if (err instanceof OutputUrlError) return new AppError('VALIDATION_FAILED', err.message);
  if (err instanceof ChannelStarting) {
    const e = new AppError('NOT_READY', err.message);
    e.retryAfterSec = 3;
    return e;
  }
  if (isRedisUnavailable(err)) {
    const e = new AppError(
      'NOT_READY',
      'The service is switching to its standby database. Try again in a few seconds.',
    );
    e.retryAfterSec = 2;
    return e;
  }
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed')
    return new AppError('BAD_REQUEST', 'The request body is not valid JSON.');
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  const status = (err as { status?: number; statusCode?: number } | null)?.status;
  if (status === 404 || (err as { statusCode?: number } | null)?.statusCode === 404)
    return new AppError('NOT_FOUND', 'Not found.');
  return undefined;
}
