/**
 * Janus, run and configured by Skyclass, behind the Sfu interface: writes
 * the private config, starts and supervises `janus`, keeps one control
 * connection, and recreates every room it was asked for after a restart
 * (Janus keeps rooms in memory only).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { ManagedProcess } from '../../core/process/ManagedProcess.ts';
import { reapStale } from '../../core/process/childHygiene.ts';
import type { ProcessLogger } from '../../core/process/ProcessLogger.ts';
import { Supervisor } from '../../core/process/Supervisor.ts';
import type {
  IceCandidate,
  Jsep,
  Participant,
  RoomSpec,
  RtpTarget,
  Sfu,
  SfuPeer,
  Subscription,
} from '../sfu/Sfu.ts';
import { JanusConnection, JanusError, type JanusHandle, type JanusSession } from './JanusClient.ts';
import { controlSocketPath, writeJanusConfig, type JanusConfigOptions } from './janusConfig.ts';
import { ignore } from '../../core/ignore.ts';

const VIDEOROOM = 'janus.plugin.videoroom';
/** Janus videoroom: "no such room". */
const NO_SUCH_ROOM = 426;
const ROOM_EXISTS = 427;

export interface JanusSfuOptions extends Omit<JanusConfigOptions, 'apiSecret' | 'adminKey'> {
  bin?: string;
  logger: ProcessLogger;
  /** Runs janus through this prefix (e.g. nsenter into a network namespace in tests). */
  commandPrefix?: string[];
}

interface SfuEvents {
  /** Janus came back after a crash and every room was recreated. */
  restarted: [];
}

class JanusPeer extends EventEmitter<{ up: []; down: [reason: string] }> implements SfuPeer {
  readonly id: string;
  readonly handle: JanusHandle;
  constructor(id: string, handle: JanusHandle) {
    super();
    this.id = id;
    this.handle = handle;
    handle.on('webrtcup', () => this.emit('up'));
    handle.on('hangup', (reason) => this.emit('down', reason));
    handle.on('detached', () => this.emit('down', 'detached'));
  }
  trickle(candidate: IceCandidate | null): Promise<void> {
    return this.handle.trickle(candidate);
  }
  async close(): Promise<void> {
    await this.handle.detach();
  }
}

export class JanusSfu extends EventEmitter<SfuEvents> implements Sfu {
  readonly #o: JanusSfuOptions;
  readonly #apiSecret = crypto.randomBytes(24).toString('base64url');
  readonly #adminKey = crypto.randomBytes(24).toString('base64url');
  readonly #rooms = new Map<string, RoomSpec>();
  /** Publisher handles by room and publisher id (to ask them for keyframes). */
  readonly #publishers = new Map<string, JanusHandle>();
  /** rtp_forward stream ids by room/publisher. */
  readonly #forwarders = new Map<string, number[]>();
  #supervisor?: Supervisor;
  #conn?: JanusConnection;
  #session?: JanusSession;
  #control?: JanusHandle;
  #ready?: Promise<void>;
  #stopped = false;

  constructor(o: JanusSfuOptions) {
    super();
    this.#o = o;
  }

  get supervisor(): Supervisor | undefined {
    return this.#supervisor;
  }

  async start(): Promise<void> {
    const configPath = writeJanusConfig({ ...this.#o, apiSecret: this.#apiSecret, adminKey: this.#adminKey });
    const log = this.#o.logger.child({ component: 'janus' });
    // A Janus of a run that crashed would hold the ports and answer on the old socket.
    await reapStale(path.join(this.#o.dir, 'janus.skyclass-pid'), log);
    this.#supervisor = new Supervisor({
      name: 'janus',
      logger: log,
      initialBackoffMs: 200,
      maxBackoffMs: 2000,
      create: () => {
        // A killed Janus leaves its socket file behind, and libwebsockets will not bind over it.
        fs.rmSync(controlSocketPath(this.#o.dir), { force: true });
        const [cmd, ...pre] = [...(this.#o.commandPrefix ?? []), this.#o.bin ?? 'janus'];
        return new ManagedProcess({
          name: 'janus',
          command: cmd!,
          args: [...pre, '-C', configPath, '-F', this.#o.dir, '-o'],
          logger: log,
          readyLine: (line) => line.includes('WebSockets transport plugin initialized'),
          startTimeoutMs: 15_000,
          stopTimeoutMs: 3000,
          pidFile: path.join(this.#o.dir, 'janus.skyclass-pid'),
        });
      },
    });
    let launches = 0;
    this.#supervisor.on('started', () => {
      if (this.#stopped || ++launches === 1) return; // the first start connects below
      // After a restart: a new control connection, then every room again.
      this.#ready = this.#connect().then(async () => {
        // Not through #controlHandle(): it waits for this very promise.
        for (const spec of this.#rooms.values()) await this.#createRoom(spec, this.#control!);
        log.info({ rooms: this.#rooms.size }, 'janus restarted; rooms recreated');
        this.emit('restarted');
      });
      this.#ready.catch((err: Error) => log.error({ err }, 'janus: reconnect after restart failed'));
    });
    await this.#supervisor.start();
    this.#ready = this.#connect();
    await this.#ready;
  }

  async #connect(): Promise<void> {
    this.#conn?.close();
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        this.#conn = await JanusConnection.connect(controlSocketPath(this.#o.dir), this.#apiSecret);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.#session = await this.#conn.createSession();
    this.#control = await this.#session.attach(VIDEOROOM);
  }

  async #controlHandle(): Promise<JanusHandle> {
    await this.#ready;
    if (!this.#control || this.#control.detached || this.#conn?.closed) {
      this.#ready = this.#connect();
      await this.#ready;
    }
    return this.#control!;
  }

  async #createRoom(spec: RoomSpec, handle?: JanusHandle): Promise<void> {
    const h = handle ?? (await this.#controlHandle());
    try {
      await h.message({
        request: 'create',
        admin_key: this.#adminKey,
        room: spec.id,
        description: spec.description.slice(0, 100),
        is_private: true,
        publishers: spec.maxPublishers,
        bitrate: spec.bitrate,
        bitrate_cap: true,
        fir_freq: spec.keyframeEverySec,
        videocodec: spec.videoCodec,
        ...(spec.videoCodec === 'h264' ? { h264_profile: '42e01f' } : {}),
        audiocodec: 'opus',
        notify_joining: false,
        permanent: false,
      });
    } catch (err) {
      if (!(err instanceof JanusError && err.code === ROOM_EXISTS)) throw err;
    }
  }

  async ensureRoom(spec: RoomSpec): Promise<void> {
    this.#rooms.set(spec.id, spec);
    await this.#createRoom(spec);
  }

  async destroyRoom(id: string): Promise<void> {
    this.#rooms.delete(id);
    const h = await this.#controlHandle();
    try {
      await h.message({ request: 'destroy', room: id, admin_key: this.#adminKey, permanent: false });
    } catch (err) {
      if (!(err instanceof JanusError && err.code === NO_SUCH_ROOM)) throw err;
    }
  }

  async listRooms(): Promise<string[]> {
    const h = await this.#controlHandle();
    const { data } = await h.message({ request: 'list', admin_key: this.#adminKey });
    return ((data.list as { room: string }[] | undefined) ?? []).map((r) => String(r.room));
  }

  async participants(roomId: string): Promise<Participant[]> {
    const h = await this.#controlHandle();
    const { data } = await h.message({ request: 'listparticipants', room: roomId });
    return (
      (data.participants as { id: string; display?: string; publisher: boolean }[] | undefined) ?? []
    ).map((p) => ({
      id: String(p.id),
      display: p.display ?? '',
      publishing: p.publisher,
    }));
  }

  async publish(
    roomId: string,
    who: { id: string; display: string },
    offer: Jsep,
  ): Promise<{ peer: SfuPeer; answer: Jsep }> {
    await this.#controlHandle();
    const handle = await this.#session!.attach(VIDEOROOM);
    try {
      await handle.message({
        request: 'join',
        ptype: 'publisher',
        room: roomId,
        id: who.id,
        display: who.display,
      });
      const r = await handle.message(
        { request: 'publish', audio: true, video: true, data: false },
        offer,
        15_000,
      );
      if (!r.jsep || r.jsep.type !== 'answer') throw new Error('Janus did not answer the publisher offer');
      const key = `${roomId}/${who.id}`;
      this.#publishers.set(key, handle);
      handle.once('detached', () => {
        if (this.#publishers.get(key) === handle) this.#publishers.delete(key);
      });
      return { peer: new JanusPeer(who.id, handle), answer: r.jsep };
    } catch (err) {
      await handle.detach();
      throw err;
    }
  }

  async subscribe(roomId: string, publisherId: string): Promise<Subscription> {
    await this.#controlHandle();
    const handle = await this.#session!.attach(VIDEOROOM);
    try {
      const r = await handle.message(
        { request: 'join', ptype: 'subscriber', room: roomId, streams: [{ feed: publisherId }] },
        undefined,
        15_000,
      );
      if (!r.jsep || r.jsep.type !== 'offer') throw new Error('Janus sent no offer for the subscriber');
      const peer = new JanusPeer(`sub-${handle.id}`, handle);
      return {
        peer,
        offer: r.jsep,
        start: async (answer) => {
          await handle.message({ request: 'start' }, answer);
        },
      };
    } catch (err) {
      await handle.detach();
      throw err;
    }
  }

  async forward(roomId: string, publisherId: string, target: RtpTarget, videoMid = '1'): Promise<void> {
    const h = await this.#controlHandle();
    const key = `${roomId}/${publisherId}`;
    // Replace earlier forwarders of this publisher (a re-publish, or camera ↔ screen).
    for (const streamId of this.#forwarders.get(key) ?? []) {
      await h
        .message({
          request: 'stop_rtp_forward',
          admin_key: this.#adminKey,
          room: roomId,
          publisher_id: publisherId,
          stream_id: streamId,
        })
        .catch(ignore('a forwarder that is already gone', this.#o.logger));
    }
    const { data } = await h.message({
      request: 'rtp_forward',
      admin_key: this.#adminKey,
      room: roomId,
      publisher_id: publisherId,
      host: target.host,
      host_family: 'ipv4',
      streams: [
        { mid: '0', port: target.audioPort, ...(target.audioPt ? { pt: target.audioPt } : {}) },
        { mid: videoMid, port: target.videoPort, ...(target.videoPt ? { pt: target.videoPt } : {}) },
      ],
    });
    const ids = ((data.forwarders as { stream_id: number }[] | undefined) ?? []).map((f) => f.stream_id);
    this.#forwarders.set(key, ids);
    // A new receiver (ffmpeg) needs a keyframe now, not at the next scheduled one.
    for (const delay of [0, 1000, 2500]) {
      setTimeout(() => {
        void this.#publishers
          .get(key)
          ?.message({ request: 'configure', keyframe: true })
          .catch(ignore('a keyframe request to a publisher that left', this.#o.logger));
      }, delay).unref();
    }
  }

  /**
   * One more SRTP forwarder of a publisher's audio and video to `host:port`/`port+2` (bench:live's
   * light receivers, the same kind mediasoup gets); returns its stream ids. Not replaced by `forward`.
   */
  async forwardSrtp(roomId: string, publisherId: string, host: string, port: number, keyBase64: string) {
    const h = await this.#controlHandle();
    const { data } = await h.message({
      request: 'rtp_forward',
      admin_key: this.#adminKey,
      room: roomId,
      publisher_id: publisherId,
      host,
      host_family: 'ipv4',
      srtp_suite: 80,
      srtp_crypto: keyBase64,
      streams: [
        { mid: '0', port },
        { mid: '1', port: port + 2 },
      ],
    });
    return ((data.forwarders as { stream_id: number }[] | undefined) ?? []).map((f) => f.stream_id);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#session?.destroy().catch(ignore('Janus session already gone at stop', this.#o.logger));
    this.#conn?.close();
    await this.#supervisor?.stop();
  }
}
