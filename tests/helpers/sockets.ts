/** socket.io clients for tests: connected (or the connect error thrown), closed together at the end. */
import { io, type Socket } from 'socket.io-client';

export class SocketPool {
  readonly #all: Socket[] = [];

  async connect(url: string, token: string | undefined): Promise<Socket> {
    const s = io(url, { path: '/socket.io', auth: { token }, transports: ['websocket'] });
    this.#all.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return s;
  }

  closeAll(): void {
    this.#all.forEach((s) => s.close());
  }
}

/** One call answered through socket.io's acknowledgement (the server's reply or its error). */
export const ack = <T>(s: Socket, event: string, payload: unknown, timeoutMs = 20_000): Promise<T> =>
  s.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
