/** One socket.io connection per signed-in page, for live updates (lesson progress today). */
import { io, type Socket } from 'socket.io-client';
import { session } from './api.ts';

/** Dispatched on window when the server ends this session (the app shows the sign-in page). */
export const SESSION_ENDED_EVENT = 'skyclass:session-ended';

let socket: Socket | null = null;
let socketToken: string | null = null;

export function realtime(): Socket {
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

/** Listens to an event until the returned function is called (pages call it when they are replaced). */
export function listen<T>(event: string, fn: (payload: T) => void): () => void {
  const s = realtime();
  s.on(event, fn);
  return () => s.off(event, fn);
}

export function closeRealtime(): void {
  socket?.close();
  socket = null;
  socketToken = null;
}
