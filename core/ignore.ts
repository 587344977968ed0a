/**
 * The one way Skyclass ignores an error on purpose (best-effort clean-up, a
 * peer that is already gone, a progress write that the next one replaces):
 * the reason is in the code and, with a logger, in the debug log with the
 * error and its stack. Nothing is swallowed silently.
 */
import type { ProcessLogger } from './process/ProcessLogger.ts';

export function ignore(why: string, logger?: Pick<ProcessLogger, 'debug'>): (err: unknown) => undefined {
  return (err: unknown) => {
    logger?.debug({ err }, `ignored: ${why}`);
    return undefined;
  };
}
