/**
 * A typed client for the Janus WebSocket API (janus-protocol), over the
 * unix socket Skyclass configures. Requests are matched to answers by
 * transaction; plugin requests answer either synchronously (`success` with
 * `plugindata`) or with an `ack` followed by an `event` carrying the same
 * transaction: both are handled. Sessions are kept alive every 25 s
 * (Janus drops them after 60 s of silence).
 *
 * Kept our own (no maintained Node client exists for the admin-less unix
 * socket setup): it covers sessions, handles, plugin messages with JSEP,
 * trickle and hangup — what the VideoRoom SFU needs. It deliberately does
 * not cover the admin API, other plugins, reconnection of a lost socket
 * (JanusSfu restarts Janus instead) or HTTP/long-poll transports.
 */
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { ignore } from '../../core/ignore.ts';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> & { error_code?: number; error?: string } };
  jsep?: Jsep;
  [k: string]: unknown;
}

/** An error answered by Janus itself or by a plugin, with its numeric code. */
export class JanusError extends Error {
  readonly code: number;
  constructor(code: number, reason: string) {
    super(`Janus error ${code}: ${reason}`);
    this.name = 'JanusError';
    this.code = code;
  }
}

interface Pending {
  resolve: (m: JanusMessage) => void;
  reject: (e: Error) => void;
  /** Only an `ack` is ever sent for this request (keepalive, trickle). */
  ackIsFinal: boolean;
  timer: NodeJS.Timeout;
}

export interface PluginAnswer {
  data: Record<string, unknown>;
  jsep?: Jsep;
}

interface ConnectionEvents {
  close: [];
}

export class JanusConnection extends EventEmitter<ConnectionEvents> {
  readonly #ws: WebSocket;
  readonly #secret: string;
  readonly #pending = new Map<string, Pending>();
  readonly #sessions = new Map<number, JanusSession>();
  #closed = false;

  private constructor(ws: WebSocket, secret: string) {
    super();
    this.#ws = ws;
    this.#secret = secret;
    ws.on('message', (raw) => this.#onMessage(raw.toString()));
    ws.on('close', () => this.#onClose());
    ws.on('error', () => undefined); // 'close' follows
  }

  /** Connects to Janus's WebSocket API on a unix socket path or a ws:// URL. */
  static connect(target: string, apiSecret: string, timeoutMs = 5000): Promise<JanusConnection> {
    const url = target.startsWith('ws') ? target : `ws+unix://${target}:/`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'janus-protocol', { handshakeTimeout: timeoutMs });
      ws.once('open', () => resolve(new JanusConnection(ws, apiSecret)));
      ws.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  request(
    msg: Record<string, unknown>,
    opts: { ackIsFinal?: boolean; timeoutMs?: number } = {},
  ): Promise<JanusMessage> {
    if (this.#closed) return Promise.reject(new Error('Janus connection is closed'));
    const transaction = crypto.randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transaction);
        reject(
          new Error(`Janus did not answer "${String(msg.janus)}" within ${opts.timeoutMs ?? 10_000} ms`),
        );
      }, opts.timeoutMs ?? 10_000);
      this.#pending.set(transaction, { resolve, reject, ackIsFinal: !!opts.ackIsFinal, timer });
      this.#ws.send(JSON.stringify({ ...msg, transaction, apisecret: this.#secret }));
    });
  }

  async info(): Promise<JanusMessage> {
    return this.request({ janus: 'info' });
  }

  async createSession(): Promise<JanusSession> {
    const r = await this.request({ janus: 'create' });
    const session = new JanusSession(this, r.data!.id);
    this.#sessions.set(session.id, session);
    session.once('destroyed', () => this.#sessions.delete(session.id));
    return session;
  }

  #onMessage(text: string): void {
    let msg: JanusMessage;
    try {
      msg = JSON.parse(text) as JanusMessage;
    } catch {
      return;
    }
    const p = msg.transaction ? this.#pending.get(msg.transaction) : undefined;
    if (p) {
      if (msg.janus === 'ack' && !p.ackIsFinal) return; // the answer follows as an event
      this.#pending.delete(msg.transaction!);
      clearTimeout(p.timer);
      if (msg.janus === 'error')
        return p.reject(new JanusError(msg.error?.code ?? 0, msg.error?.reason ?? 'unknown'));
      const pluginError = msg.plugindata?.data;
      if (pluginError && (pluginError.error_code !== undefined || pluginError.error !== undefined)) {
        return p.reject(
          new JanusError(Number(pluginError.error_code ?? 0), String(pluginError.error ?? 'plugin error')),
        );
      }
      return p.resolve(msg);
    }
    // Events nobody asked for: route them to their session and handle.
    if (msg.session_id !== undefined) this.#sessions.get(msg.session_id)?.dispatch(msg);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const [, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new Error('Janus connection closed'));
    }
    this.#pending.clear();
    for (const s of this.#sessions.values()) s.dispatch({ janus: 'timeout' });
    this.emit('close');
  }

  close(): void {
    this.#ws.close();
    this.#onClose();
  }
}

interface SessionEvents {
  destroyed: [];
}

export class JanusSession extends EventEmitter<SessionEvents> {
  readonly conn: JanusConnection;
  readonly id: number;
  readonly #handles = new Map<number, JanusHandle>();
  readonly #keepalive: NodeJS.Timeout;
  #destroyed = false;

  constructor(conn: JanusConnection, id: number) {
    super();
    this.conn = conn;
    this.id = id;
    this.#keepalive = setInterval(() => {
      void this.conn
        .request({ janus: 'keepalive', session_id: this.id }, { ackIsFinal: true })
        .catch(ignore('a keepalive lost with its connection (the connection reports the close)'));
    }, 25_000);
    this.#keepalive.unref();
  }

  async attach(plugin: string): Promise<JanusHandle> {
    const r = await this.conn.request({ janus: 'attach', session_id: this.id, plugin });
    const handle = new JanusHandle(this, r.data!.id);
    this.#handles.set(handle.id, handle);
    handle.once('detached', () => this.#handles.delete(handle.id));
    return handle;
  }

  dispatch(msg: JanusMessage): void {
    if (msg.janus === 'timeout') {
      this.#markDestroyed();
      return;
    }
    if (msg.sender !== undefined) this.#handles.get(msg.sender)?.dispatch(msg);
  }

  #markDestroyed(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    clearInterval(this.#keepalive);
    for (const h of this.#handles.values()) h.dispatch({ janus: 'detached' });
    this.emit('destroyed');
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    await this.conn
      .request({ janus: 'destroy', session_id: this.id })
      .catch(ignore('destroying a session of a closed connection'));
    this.#markDestroyed();
  }
}

export interface HandleEvents {
  /** A plugin event without a transaction (e.g. a publisher joined or left a room). */
  event: [data: Record<string, unknown>, jsep?: Jsep];
  webrtcup: [];
  hangup: [reason: string];
  media: [type: string, receiving: boolean];
  slowlink: [info: Record<string, unknown>];
  detached: [];
}

export class JanusHandle extends EventEmitter<HandleEvents> {
  readonly session: JanusSession;
  readonly id: number;
  #detached = false;

  constructor(session: JanusSession, id: number) {
    super();
    this.session = session;
    this.id = id;
  }

  get detached(): boolean {
    return this.#detached;
  }

  /** A plugin request; resolves with the plugin's answer data (and JSEP), sync or async. */
  async message(body: Record<string, unknown>, jsep?: Jsep, timeoutMs?: number): Promise<PluginAnswer> {
    const r = await this.session.conn.request(
      { janus: 'message', session_id: this.session.id, handle_id: this.id, body, ...(jsep ? { jsep } : {}) },
      { timeoutMs },
    );
    return { data: r.plugindata?.data ?? {}, ...(r.jsep ? { jsep: r.jsep } : {}) };
  }

  /** Sends a remote ICE candidate (or null when the peer finished gathering). */
  async trickle(
    candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null } | null,
  ): Promise<void> {
    await this.session.conn.request(
      {
        janus: 'trickle',
        session_id: this.session.id,
        handle_id: this.id,
        candidate: candidate ?? { completed: true },
      },
      { ackIsFinal: true },
    );
  }

  async hangup(): Promise<void> {
    await this.session.conn
      .request({ janus: 'hangup', session_id: this.session.id, handle_id: this.id })
      .catch(ignore('hanging up a handle that is already gone'));
  }

  async detach(): Promise<void> {
    if (this.#detached) return;
    await this.session.conn
      .request({ janus: 'detach', session_id: this.session.id, handle_id: this.id })
      .catch(ignore('detaching a handle that is already gone'));
    this.dispatch({ janus: 'detached' });
  }

  dispatch(msg: JanusMessage): void {
    switch (msg.janus) {
      case 'event':
        this.emit('event', msg.plugindata?.data ?? {}, msg.jsep);
        break;
      case 'webrtcup':
        this.emit('webrtcup');
        break;
      case 'hangup':
        this.emit('hangup', String(msg.reason ?? ''));
        break;
      case 'media':
        this.emit('media', String(msg.type ?? ''), Boolean(msg.receiving));
        break;
      case 'slowlink':
        this.emit('slowlink', msg as Record<string, unknown>);
        break;
      case 'detached':
        if (this.#detached) return;
        this.#detached = true;
        this.emit('detached');
        break;
    }
  }
}
