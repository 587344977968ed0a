/**
 * One socket.io connection per signed-in page, typed by the contract's
 * events (contracts/realtime.ts): what the server pushes (`listen`) and what
 * the page asks (`signal` in liveApi.ts).
 */
import { io, type Socket } from 'socket.io-client';
import { session } from './api.ts';
import type {
  ClientEvent,
  ClientResults,
  ClientToServerEvents,
  PayloadOf,
  Reply,
  ServerToClientEvents,
} from '../../contracts/realtime.ts';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Dispatched on window when the server ends this session (the app shows the sign-in page). */
export const SESSION_ENDED_EVENT = 'skyclass:session-ended';

let socket: AppSocket | null = null;
let socketToken: string | null = null;

export function realtime(): AppSocket {
  if (socket && socketToken === session.token) return socket;
  socket?.close();
  socketToken = session.token;
  // WebSocket only: long-polling would need sticky sessions behind a load balancer of several api instances.
  socket = io({ path: '/socket.io', auth: { token: session.token }, transports: ['websocket'] });
  // Signed out elsewhere, password reset, account switched off: the server closes this socket.
  const ended = () => window.dispatchEvent(new CustomEvent(SESSION_ENDED_EVENT));
  socket.on('session:ended', ended);
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code?.startsWith('AUTH_')) ended();
  });
  return socket;
}

type Listen = (event: string, fn: (...args: unknown[]) => void) => unknown;

/** Listens to a server event until the returned function is called (pages call it when they are replaced). */
export function listen<E extends keyof ServerToClientEvents>(
  event: E,
  fn: ServerToClientEvents[E],
): () => void {
  const s = realtime();
  // socket.io-client's typed on/off cannot follow a generic event name; `fn` is typed by the contract above.
  const untyped = s as unknown as { on: Listen; off: Listen };
  untyped.on(event, fn as (...args: unknown[]) => void);
  return () => untyped.off(event, fn as (...args: unknown[]) => void);
}

/**
 * One call to the server through its acknowledgement: the reply is the result or `{error}`.
 * With `timeoutMs` an unanswered call rejects; without it the call waits for the answer.
 */
export function ask<E extends ClientEvent>(
  event: E,
  payload: PayloadOf<E>,
  timeoutMs?: number,
): Promise<Reply<ClientResults[E]>> {
  // socket.io-client's typed emit cannot follow a generic event name; the types come from the contract.
  type Emit = (e: E, p: PayloadOf<E>, ack: (r: Reply<ClientResults[E]>) => void) => void;
  type EmitWithAck = (e: E, p: PayloadOf<E>) => Promise<Reply<ClientResults[E]>>;
  const s = realtime();
  if (timeoutMs === undefined)
    return new Promise((resolve) => (s.emit as unknown as Emit).call(s, event, payload, resolve));
  const timed = s.timeout(timeoutMs);
  return (timed.emitWithAck as unknown as EmitWithAck).call(timed, event, payload);
}

export function closeRealtime(): void {
  socket?.close();
  socket = null;
  socketToken = null;
}
