/**
 * socket.io signaling for live lessons. The browser never reaches the SFU's
 * API: it sends its offer/answer/candidates here, and the server checks
 * every step — publishing needs the lesson's lead teacher (or an admin)
 * AND a publish token the server signed for that lesson and that user;
 * watching needs the grade. Every call answers through the ack callback
 * with either a result or {error:{code,message}}.
 */
import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { DistrictStore } from '../district/DistrictStore.ts';
import { gradesOf } from '../district/gradesOf.ts';
import type { LiveStore } from '../live/LiveStore.ts';
import { canRunLive, canWatchLive, verifyPublishToken } from '../live/livePolicy.ts';
import type { Sfu, SfuPeer, Subscription } from '../../media/sfu/Sfu.ts';
import type { Logger } from '../logger.ts';
import { handle, type IoServer } from './events.ts';
import type { LiveHlsManager } from '../live/LiveHlsManager.ts';
import { ignore } from '../../core/ignore.ts';

export interface LiveSignalingDeps {
  live: LiveStore;
  sfu?: Sfu;
  liveHls?: LiveHlsManager;
  store: DistrictStore;
  redis: Redis;
  urlSigningKey: string;
  logger: Logger;
}

export const VIEWERS_KEY = 'sc:live:viewers';
export const liveRoom = (lessonId: string) => `live:${lessonId}`;

interface PeerEntry {
  lessonId: string;
  role: 'publisher' | 'viewer';
  peer: SfuPeer;
  subscription?: Subscription;
}

export function attachLiveSignaling(io: IoServer, d: LiveSignalingDeps): void {
  const options = {
    logger: d.logger,
    failed: 'live signaling failed',
    internalMessage: 'The live lesson could not be joined. Try again in a moment.',
  };

  const sfu = () => {
    if (!d.sfu) throw new AppError('NOT_READY', 'Live lessons are off on this server (SFU=off).');
    return d.sfu;
  };

  const liveLesson = async (lessonId: string) => {
    const l = await d.live.get(lessonId);
    if (!l) throw new AppError('NOT_FOUND', 'This live lesson does not exist.');
    return l;
  };

  /** Counts a viewer in or out (Redis, shared by every instance) and tells the lesson's room the new count. */
  const countViewers = async (lessonId: string, delta: 1 | -1) => {
    const n = await d.redis.hincrby(VIEWERS_KEY, lessonId, delta);
    io.to(liveRoom(lessonId)).emit('live:viewers', { lessonId, viewers: Math.max(0, n) });
  };

  io.on('connection', (socket) => {
    const user = socket.data.user;
    const peers = new Map<string, PeerEntry>();

    const drop = async (peerId: string) => {
      const e = peers.get(peerId);
      if (!e) return;
      peers.delete(peerId);
      await e.peer.close().catch(ignore('closing a peer that is already gone', d.logger));
      if (e.role === 'viewer') {
        await countViewers(e.lessonId, -1);
      } else {
        await d.live.transition(e.lessonId, ['live'], { publisherId: undefined });
      }
    };

    handle(socket, 'live:publish', options, async (p) => {
      const l = await liveLesson(p.lessonId);
      if (!canRunLive(user, l)) {
        throw new AppError('FORBIDDEN_ROLE', 'Only the lesson’s lead teacher can broadcast into it.');
      }
      const verdict = verifyPublishToken(d.urlSigningKey, p.publishToken, l.id, user.id);
      if (verdict === 'expired')
        throw new AppError(
          'AUTH_TOKEN_EXPIRED',
          'The broadcast permission has expired. Reload the studio page.',
        );
      if (verdict !== 'ok')
        throw new AppError(
          'AUTH_TOKEN_INVALID',
          'This broadcast permission is not valid. Start the lesson from the studio page.',
        );
      if (l.status !== 'live')
        throw new AppError('CONFLICT', 'Press "go live" first; this lesson is not live.');
      const { peer, answer } = await sfu().publish(
        l.roomId,
        { id: user.id, display: user.displayName },
        p.offer,
      );
      peers.set(peer.id, { lessonId: l.id, role: 'publisher', peer });
      peer.once('down', () => void drop(peer.id));
      // Once media flows, the SFU forwards it to this lesson's live HLS pipeline.
      peer.once('up', () => {
        d.liveHls
          ?.onPublished(l, user.id)
          .catch((err: Error) => d.logger.error({ err, lessonId: l.id }, 'live HLS could not start'));
        // Viewers waiting for the teacher, or holding a connection to a feed that is gone (the teacher
        // dropped, the SFU restarted), join the new feed at once instead of noticing it by themselves.
        io.to(liveRoom(l.id)).emit('live:publisher', { lessonId: l.id });
      });
      await d.live.transition(l.id, ['live'], { publisherId: user.id });
      void socket.join(liveRoom(l.id));
      return { peerId: peer.id, answer };
    });

    handle(socket, 'live:screen', options, async (p) => {
      const entry = [...peers.values()].find((e) => e.role === 'publisher' && e.lessonId === p.lessonId);
      if (!entry)
        throw new AppError('FORBIDDEN_ROLE', 'Only the broadcasting teacher can switch the screen.');
      const l = await liveLesson(p.lessonId);
      await d.live.transition(l.id, ['live'], { screenOn: p.on });
      await d.liveHls?.setVideoSource(l, user.id, p.on ? 'screen' : 'camera');
      io.to(liveRoom(l.id)).emit('live:screen', { lessonId: l.id, on: p.on });
      return { ok: true };
    });

    handle(socket, 'live:watch', options, async (p) => {
      const l = await liveLesson(p.lessonId);
      if (!canWatchLive(user, l, await gradesOf(d.store, user))) {
        throw new AppError('FORBIDDEN_SCOPE', 'This live lesson is for another grade.');
      }
      // In the lesson's room from now on: a viewer still waiting hears when the teacher starts.
      void socket.join(liveRoom(l.id));
      if (l.status !== 'live' || !l.publisherId) {
        throw new AppError(
          'CONFLICT',
          'The teacher is not broadcasting yet. The page will connect when the lesson starts.',
        );
      }
      // One viewer connection per socket and lesson: watching again replaces the old one
      // (a page re-joining after a drop), it never opens a second subscriber or counts twice.
      for (const [id, e] of [...peers]) if (e.role === 'viewer' && e.lessonId === l.id) await drop(id);
      const sub = await sfu().subscribe(l.roomId, l.publisherId);
      peers.set(sub.peer.id, { lessonId: l.id, role: 'viewer', peer: sub.peer, subscription: sub });
      sub.peer.once('down', () => void drop(sub.peer.id));
      void socket.join(liveRoom(l.id));
      await countViewers(l.id, 1);
      return { peerId: sub.peer.id, offer: sub.offer };
    });

    handle(socket, 'live:answer', options, async (p) => {
      const e = peers.get(p.peerId);
      if (!e?.subscription) throw new AppError('NOT_FOUND', 'Unknown viewer connection; watch again.');
      await e.subscription.start(p.answer);
      return { ok: true };
    });

    handle(socket, 'live:trickle', options, async (p) => {
      const e = peers.get(p.peerId);
      if (!e) throw new AppError('NOT_FOUND', 'Unknown connection.');
      await e.peer.trickle(p.candidate);
      return { ok: true };
    });

    handle(socket, 'live:leave', options, async (p) => {
      await drop(p.peerId);
      return { ok: true };
    });

    socket.on('disconnect', () => {
      for (const id of [...peers.keys()]) void drop(id);
    });
  });
}
