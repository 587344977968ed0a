/**
 * One socket.io connection per signed-in page, typed by the contract's
 * events (contracts/realtime.ts): what the server pushes (`listen`) and what
 * the page asks (`signal` in liveApi.ts).
 */
import { io, type Socket } from 'socket.io-client';
import { session } from './api.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../contracts/realtime.ts';

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Dispatched on window when the server ends this session (the app shows the sign-in page). */
export const SESSION_ENDED_EVENT = 'skyclass:session-ended';

let socket: AppSocket | null = null;
let socketToken: string | null = null;

export function realtime(): AppSocket {
  if (socket && socketToken === session.token) return socket;
  socket?.close();
  socketToken = session.token;
  socket = io({ path: '/socket.io', auth: { token: session.token }, transports: ['websocket', 'polling'] });
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

export function closeRealtime(): void {
  socket?.close();
  socket = null;
  socketToken = null;
}
