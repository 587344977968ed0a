/**
 * socket.io signaling for mediasoup (the browser runs mediasoup-client):
 * join a room, open transports, produce and consume, choose a layer, leave.
 * The browser never reaches the SFU; every step is checked here against the
 * room's policy — a grade's live lesson (server/realtime/liveSignaling.ts)
 * or a class's side room (server/realtime/sideRoom.ts) — and every peer,
 * transport, producer and consumer belongs to the socket that made it:
 * another socket cannot touch it, and all of it closes when the socket goes.
 */
import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { User } from '../district/model.ts';
import type { MediaSource, MediasoupSfuEvents, ProducerInfo } from '../../media/mediasoup/MediasoupSfu.ts';

/** An event's arguments after the room id. */
type Tail<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never;
import type { MediaPlane } from '../cluster/ClusterMedia.ts';
import { SfuError } from '../../media/mediasoup/MediasoupSfu.ts';
import type { SfuRoomRef } from '../../contracts/realtime.ts';
import { handle, type IoServer, type IoSocket } from './events.ts';
import { ignore } from '../../core/ignore.ts';

/** What a room kind allows; each method throws an AppError when it does not. */
export interface RoomPolicy {
  /** The room on the SFU. */
  sfuRoomId: string;
  /** The socket.io room its members are in (for the room's own events). */
  socketRoom: string;
  /** The key the browser sees in sfu:* pushes. */
  roomKey: string;
  /** Only watches (a live lesson's viewer): may be placed on another media node than the publisher's. */
  viewer?: boolean;
  /** May this user join (watch)? Makes sure the SFU room exists. */
  join(): Promise<void>;
  /** May this user publish this source now? */
  produce(source: MediaSource, publishToken: string | undefined): Promise<void>;
  onJoined?(peerId: string): Promise<void>;
  onProduced?(info: ProducerInfo): Promise<void>;
  onLeft?(peerId: string, wasPublishing: boolean): Promise<void>;
  /** This instance took a live connection over (its page reconnected here): count it again, no media restart. */
  onAdopted?(peerId: string, producers: ProducerInfo[]): Promise<void>;
}

export type PolicyFactory = (user: User, room: SfuRoomRef, socket: IoSocket) => Promise<RoomPolicy>;

export interface SfuSignalingDeps {
  media?: MediaPlane;
  logger: Logger;
  live: PolicyFactory;
  side: PolicyFactory;
}

interface PeerEntry {
  userId: string;
  policy: RoomPolicy;
  producers: Set<string>;
  leave: () => Promise<void>;
}

export interface SfuSignaling {
  /** Closes a user's publishing peers in a room on this instance (a floor taken back, a lesson ended). */
  closePublishers(roomKey: string, userId: string): Promise<void>;
}

const newPeerId = () => `p_${crypto.randomBytes(8).toString('hex')}`;

/** mediasoup's refusals as the API's errors (a malformed parameter object is the client's fault). */
async function sfuCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof SfuError) throw new AppError(err.code, err.message);
    if (err instanceof TypeError)
      throw new AppError('VALIDATION_FAILED', `The SFU refused this: ${err.message}`);
    throw err;
  }
}

export function attachSfuSignaling(io: IoServer, d: SfuSignalingDeps): SfuSignaling {
  /** Every peer of this instance's sockets. */
  const local = new Map<string, PeerEntry>();
  const sfu = () => {
    if (!d.media) throw new AppError('NOT_READY', 'Live video is off on this server (SFU=off).');
    return d.media;
  };
  if (d.media) {
    // Every api instance hears every node's events (Redis): each tells the members of the room it has.
    const keyOf = new Map<string, string>();
    const relay = <E extends keyof MediasoupSfuEvents>(
      event: E,
      push: (roomKey: string, ...args: Tail<MediasoupSfuEvents[E]>) => void,
    ) =>
      (d.media!.on as (e: E, fn: (roomId: string, ...args: Tail<MediasoupSfuEvents[E]>) => void) => void)(
        event,
        (roomId, ...args) => {
          const key = keyOf.get(roomId);
          if (key) push(key, ...args);
        },
      );
    relay('producer', (roomKey, producer) =>
      io.local.to(roomKey).emit('sfu:producer', { roomKey, producer }),
    );
    relay('producer-closed', (roomKey, producerId) =>
      io.local.to(roomKey).emit('sfu:producer-closed', { roomKey, producerId }),
    );
    relay('speaker', (roomKey, userId) => io.local.to(roomKey).emit('sfu:speaker', { roomKey, userId }));
    relay('levels', (roomKey, levels) => io.local.to(roomKey).emit('sfu:levels', { roomKey, levels }));
    relay('room-reset', (roomKey) => io.local.to(roomKey).emit('sfu:reset', { roomKey }));
    io.on('connection', (socket) => attachSocket(socket, (id, key) => keyOf.set(id, key)));
  } else {
    io.on('connection', (socket) => attachSocket(socket, () => undefined));
  }

  function attachSocket(socket: IoSocket, remember: (sfuRoomId: string, roomKey: string) => void): void {
    const user = socket.data.user;
    const peers = new Map<string, PeerEntry>();
    const options = {
      logger: d.logger,
      failed: 'SFU signaling failed',
      internalMessage: 'The video connection could not be made. Try again in a moment.',
    };
    const mine = (peerId: string): PeerEntry => {
      const p = peers.get(peerId);
      if (!p) throw new AppError('NOT_FOUND', 'Unknown connection; join again.');
      return p;
    };
    const leave = async (peerId: string) => {
      const p = peers.get(peerId);
      if (!p) return;
      peers.delete(peerId);
      local.delete(peerId);
      await sfu().closePeer(p.policy.sfuRoomId, peerId);
      await sfu().leavePeer(peerId);
      await p.policy.onLeft?.(peerId, p.producers.size > 0);
    };

    /** A peer of this socket (joined here, or taken over from a dead instance): closed with the socket. */
    const register = async (peerId: string, policy: RoomPolicy, producers: string[]) => {
      const entry: PeerEntry = {
        userId: user.id,
        policy,
        producers: new Set(producers),
        leave: () => leave(peerId),
      };
      peers.set(peerId, entry);
      local.set(peerId, entry);
      remember(policy.sfuRoomId, policy.roomKey);
      await socket.join([policy.socketRoom, policy.roomKey]);
    };

    handle(socket, 'sfu:join', options, async ({ room }) => {
      const policy = await (room.kind === 'live' ? d.live : d.side)(user, room, socket);
      await policy.join();
      // Joining again from the same page replaces that page's connection to the room (one viewer, counted once).
      for (const [id, p] of [...peers]) if (p.policy.roomKey === policy.roomKey) await leave(id);
      if (peers.size >= 4)
        throw new AppError('CONFLICT', 'Too many video connections from this page; reload it.');
      const peerId = newPeerId();
      // Its media node: the room's origin, or for a viewer of a full origin an edge fed through a pipe.
      await sfu().joinPeer(policy.sfuRoomId, peerId, policy.viewer ?? false);
      await register(peerId, policy, []);
      await policy.onJoined?.(peerId);
      return {
        peerId,
        roomKey: policy.roomKey,
        rtpCapabilities: (await sfu().rtpCapabilities(policy.sfuRoomId)) as Record<string, unknown>,
        producers: await sfu().producers(policy.sfuRoomId),
      };
    });

    // The page's socket came back on this instance after the one it was on died: its media never
    // stopped (browser ↔ media node); this instance takes the connection over instead of a new one.
    handle(socket, 'sfu:adopt', options, async ({ room, peerId }) => {
      if (peers.has(peerId)) return { roomKey: peers.get(peerId)!.policy.roomKey, producers: [] };
      const policy = await (room.kind === 'live' ? d.live : d.side)(user, room, socket);
      await policy.join();
      const producers = await sfuCall(() => sfu().adoptPeer(policy.sfuRoomId, peerId, user.id));
      await register(
        peerId,
        policy,
        producers.map((p) => p.id),
      );
      await policy.onAdopted?.(peerId, producers);
      return { roomKey: policy.roomKey, producers };
    });

    handle(socket, 'sfu:transport', options, async ({ peerId }) => {
      const p = mine(peerId);
      const t = await sfuCall(() => sfu().openTransport(p.policy.sfuRoomId, peerId, user.id));
      return {
        id: t.id,
        iceParameters: t.iceParameters as unknown as Record<string, unknown>,
        iceCandidates: t.iceCandidates as unknown as Record<string, unknown>[],
        dtlsParameters: t.dtlsParameters as unknown as Record<string, unknown>,
      };
    });

    handle(socket, 'sfu:connect', options, async ({ peerId, transportId, dtlsParameters }) => {
      const p = mine(peerId);
      await sfuCall(() =>
        sfu().connectTransport(p.policy.sfuRoomId, peerId, transportId, dtlsParameters as never),
      );
      return { ok: true };
    });

    handle(socket, 'sfu:produce', options, async (m) => {
      const p = mine(m.peerId);
      await p.policy.produce(m.source, m.publishToken);
      const producerId = await sfuCall(() =>
        sfu().produce(p.policy.sfuRoomId, m.peerId, m.transportId, {
          kind: m.kind,
          rtpParameters: m.rtpParameters as never,
          source: m.source,
        }),
      );
      p.producers.add(producerId);
      await p.policy.onProduced?.({ id: producerId, userId: user.id, source: m.source, kind: m.kind });
      return { producerId };
    });

    handle(socket, 'sfu:unproduce', options, async ({ peerId, producerId }) => {
      const p = mine(peerId);
      if (!p.producers.delete(producerId)) throw new AppError('NOT_FOUND', 'Not one of your streams.');
      await sfu().closeProducer(p.policy.sfuRoomId, peerId, producerId);
      return { ok: true };
    });

    handle(socket, 'sfu:consume', options, async (m) => {
      const p = mine(m.peerId);
      const c = await sfuCall(() =>
        sfu().consume(p.policy.sfuRoomId, m.peerId, m.transportId, m.producerId, m.rtpCapabilities as never),
      );
      return { ...c, rtpParameters: c.rtpParameters as unknown as Record<string, unknown> };
    });

    handle(socket, 'sfu:resume', options, async ({ peerId, consumerId }) => {
      await sfuCall(() => sfu().resumeConsumer(mine(peerId).policy.sfuRoomId, peerId, consumerId));
      return { ok: true };
    });

    handle(socket, 'sfu:layer', options, async ({ peerId, consumerId, layer }) => {
      const p = mine(peerId);
      return {
        layer: await sfuCall(() =>
          sfu().setLayer(p.policy.sfuRoomId, peerId, consumerId, layer ?? undefined),
        ),
      };
    });

    handle(socket, 'sfu:leave', options, async ({ peerId }) => {
      await leave(peerId);
      return { ok: true };
    });

    socket.on('disconnect', () => {
      for (const id of [...peers.keys()])
        void leave(id).catch(ignore('closing the SFU peers of a socket that left', d.logger));
    });
  }

  return {
    async closePublishers(roomKey, userId) {
      for (const p of [...local.values()])
        if (p.userId === userId && p.policy.roomKey === roomKey && p.producers.size > 0) await p.leave();
    },
  };
}
