/** Calls a media node's internal API (POST /rpc/<method>, bearer key): the api instances and the nodes themselves use it. */
import { AppError } from '../errors.ts';
import { SfuError } from '../../media/mediasoup/MediasoupSfu.ts';

export class NodeUnreachableError extends AppError {
  /** The node's address refused the connection: its process is gone (a slow node would time out instead). */
  readonly refused: boolean;
  constructor(refused: boolean) {
    super('NOT_READY', 'The video server of this room is not reachable. The page reconnects in a moment.');
    this.refused = refused;
  }
}

const refusedConnection = (err: unknown) =>
  ((err as { cause?: { code?: string } }).cause?.code ?? '') === 'ECONNREFUSED';

/** A node's liveness probe: false only when its address refuses connections (the process is dead). */
export async function nodeRefuses(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return false;
  } catch (err) {
    return refusedConnection(err);
  }
}

/** The node's answer, or its refusal as the error the local SFU would have thrown (SfuError, TypeError). */
export async function callNode<T>(
  url: string,
  key: string,
  method: string,
  args: unknown[],
  timeoutMs = 10_000,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${url}/rpc/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ args }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new NodeUnreachableError(refusedConnection(err));
  }
  const body = (await res.json().catch(() => ({}))) as {
    result?: T;
    error?: { code: string; message: string };
  };
  if (res.ok) return body.result as T;
  const e = body.error ?? { code: 'INTERNAL', message: `media node answered ${res.status}` };
  if (res.status === 409) throw new SfuError(e.code as 'NOT_FOUND' | 'CONFLICT', e.message);
  if (res.status === 400) throw new TypeError(e.message);
  throw new Error(`media node ${method} failed: ${res.status} ${e.message}`);
}
