/**
 * mediasoup as Skyclass's SFU: one worker per core (MEDIASOUP_WORKERS), a
 * router per room on the least loaded worker, WebRTC transports on the
 * configured address and port range (announced address for NAT), producers
 * for camera, microphone and screen, consumers for viewers. The studio
 * sends three simulcast layers; mediasoup picks each viewer's layer from its
 * bandwidth estimate, capped by the viewer's own choice. Live HLS takes the
 * teacher's audio and one video over plain RTP (`forward`), with a keyframe
 * asked for at once and every few seconds (the segmenter's cut points).
 *
 * A worker that dies is replaced; its rooms are made again on the new one
 * and `room-reset` tells the signaling layer, which tells the browsers to
 * publish and watch again (their transports went with the worker).
 *
 * Browsers never reach this API: the socket.io signaling
 * (server/realtime/sfuSignaling.ts) checks who may do what first.
 */
import os from 'node:os';
import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { ProcessLogger } from '../../core/process/ProcessLogger.ts';
import type { Participant, RoomSpec, RtpTarget, SfuRooms } from '../sfu/Sfu.ts';
import { ignore } from '../../core/ignore.ts';

/** What a producer carries: the teacher's camera, microphone or shared screen. */
export type MediaSource = 'camera' | 'mic' | 'screen';

/** Payload types the live HLS SDP names (media/live/liveArgs.ts): the router uses the same. */
const OPUS_PT = 111;
const H264_PT = 96;

const CODECS: Record<'opus' | 'h264' | 'vp8', types.RtpCodecCapability> = {
  opus: {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    preferredPayloadType: OPUS_PT,
  },
  h264: {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    preferredPayloadType: H264_PT,
    // Constrained baseline, packetization-mode 1: what live HLS copies without re-encoding.
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
    rtcpFeedback: [
      { type: 'nack' },
      { type: 'nack', parameter: 'pli' },
      { type: 'ccm', parameter: 'fir' },
      { type: 'goog-remb' },
      { type: 'transport-cc' },
    ],
  },
  vp8: { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
};

export interface MediasoupSfuOptions {
  logger: ProcessLogger;
  /** Workers (one per core by default). */
  workers?: number;
  /** UDP/TCP ports for WebRTC transports, e.g. { min: 40000, max: 40999 }. */
  rtcPorts: { min: number; max: number };
  /** The address transports listen on (127.0.0.1 for one machine, 0.0.0.0 or a LAN address otherwise). */
  listenIp: string;
  /** The address browsers are told to reach (behind NAT: the public address). */
  announcedIp?: string;
}

export interface TransportParams {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

export interface ConsumerParams {
  id: string;
  producerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  /** simulcast: the viewer may choose a layer (0 lowest). */
  layers: number;
}

export interface ProducerInfo {
  id: string;
  userId: string;
  source: MediaSource;
  kind: types.MediaKind;
}

interface Peer {
  userId: string;
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
}

interface Forward {
  /** Publisher, video source and target: forwarding the same again only asks for a keyframe. */
  key: string;
  video?: types.Consumer;
  transports: types.PlainTransport[];
  /** Asks for a keyframe every keyframeEverySec (the HLS segmenter's cut points). */
  timer?: NodeJS.Timeout;
}

/** Spatial layers of a simulcast consumer, from its scalability mode ("L3T3" → 3). */
const spatialLayers = (c: types.Consumer): number =>
  c.type === 'simulcast'
    ? Number(/^L(\d+)/.exec(c.rtpParameters.encodings?.[0]?.scalabilityMode ?? '')?.[1] ?? 1)
    : 1;

/**
 * A pipe between this router and the same room's router on another media node (a lesson bigger than
 * one node): the origin consumes its producers into the pipe, the edge produces them again (same ids)
 * for its own viewers.
 */
interface Pipe {
  transport: types.PipeTransport;
  connected: boolean;
  /** Origin side: a pipe consumer per piped producer. */
  consumers: Map<string, types.Consumer>;
  /** Edge side: the producers arriving through the pipe. */
  producers: Map<string, types.Producer>;
}

/** What crosses a pipe for one producer (the edge produces it with the same id). */
export interface PipedProducer {
  id: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  appData: Record<string, unknown>;
}

interface Room {
  spec: RoomSpec;
  /** Pipes to and from other media nodes, by the other node's id. */
  pipes: Map<string, Pipe>;
  router: types.Router;
  /** Who speaks (dominant speaker) and how loud (audio levels), when the room asks for it. */
  speakers?: { active: types.ActiveSpeakerObserver; levels: types.AudioLevelObserver };
  worker: types.Worker;
  peers: Map<string, Peer>;
  forward?: Forward;
}

export interface MediasoupSfuEvents {
  /** A producer appeared in a room (viewers may consume it). */
  producer: [roomId: string, info: ProducerInfo];
  /** A producer left (its publisher stopped, left, or lost its connection). */
  'producer-closed': [roomId: string, producerId: string];
  /** The room's worker died; the room was made again, empty: every peer must reconnect. */
  'room-reset': [roomId: string];
  /** A producer piped to another node ended (origin side): the other node must close its copy. */
  'pipe-producer-closed': [roomId: string, key: string, producerId: string];
  /** The dominant speaker changed (rooms with detectSpeakers). */
  speaker: [roomId: string, userId: string];
  /** Audio levels of who is making sound now, dBov (-127 silent … 0 loudest); [] after silence. */
  levels: [roomId: string, levels: { userId: string; volume: number }[]];
}

export class SfuError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'SfuError';
  }
}

export class MediasoupSfu extends EventEmitter<MediasoupSfuEvents> implements SfuRooms {
  readonly #o: MediasoupSfuOptions;
  readonly #workers: types.Worker[] = [];
  readonly #rooms = new Map<string, Room>();
  #stopped = false;

  constructor(o: MediasoupSfuOptions) {
    super();
    this.#o = o;
  }

  get workerPids(): number[] {
    return this.#workers.map((w) => w.pid);
  }

  async start(): Promise<void> {
    const n = Math.max(1, this.#o.workers ?? os.availableParallelism());
    for (let i = 0; i < n; i++) this.#workers.push(await this.#newWorker());
    this.#o.logger.info({ workers: n, pids: this.workerPids }, 'mediasoup is running');
  }

  async #newWorker(): Promise<types.Worker> {
    const worker = await mediasoup.createWorker({
      logLevel: 'warn',
      rtcMinPort: this.#o.rtcPorts.min,
      rtcMaxPort: this.#o.rtcPorts.max,
    });
    worker.on('died', (err) => {
      if (this.#stopped) return;
      this.#o.logger.error({ err, pid: worker.pid }, 'mediasoup worker died; replacing it');
      void this.#replace(worker).catch((e: unknown) =>
        this.#o.logger.error({ err: e }, 'mediasoup worker could not be replaced'),
      );
    });
    return worker;
  }

  async #replace(dead: types.Worker): Promise<void> {
    const fresh = await this.#newWorker();
    const i = this.#workers.indexOf(dead);
    if (i >= 0) this.#workers[i] = fresh;
    else this.#workers.push(fresh);
    for (const [id, room] of this.#rooms) {
      if (room.worker !== dead) continue;
      if (room.forward) clearInterval(room.forward.timer);
      this.#rooms.set(id, await this.#makeRoom(room.spec, fresh));
      this.emit('room-reset', id);
    }
  }

  async #leastLoaded(): Promise<types.Worker> {
    const load = new Map(this.#workers.map((w) => [w, 0]));
    for (const r of this.#rooms.values()) load.set(r.worker, (load.get(r.worker) ?? 0) + 1 + r.peers.size);
    return [...load.entries()].sort((a, b) => a[1] - b[1])[0]![0];
  }

  async #makeRoom(spec: RoomSpec, worker: types.Worker): Promise<Room> {
    const video = spec.videoCodec === 'h264' ? [CODECS.h264, CODECS.vp8] : [CODECS.vp8, CODECS.h264];
    const router = await worker.createRouter({
      mediaCodecs: [CODECS.opus, ...video],
      appData: { room: spec.id },
    });
    const room: Room = { spec, router, worker, peers: new Map(), pipes: new Map() };
    if (spec.detectSpeakers) {
      const userOf = (p: types.Producer) => (p.appData as { userId?: string }).userId ?? '';
      const active = await router.createActiveSpeakerObserver({ interval: 300 });
      const levels = await router.createAudioLevelObserver({ maxEntries: 8, threshold: -70, interval: 500 });
      active.on('dominantspeaker', ({ producer }) => this.emit('speaker', spec.id, userOf(producer)));
      levels.on('volumes', (v) =>
        this.emit(
          'levels',
          spec.id,
          v.map(({ producer, volume }) => ({ userId: userOf(producer), volume })),
        ),
      );
      levels.on('silence', () => this.emit('levels', spec.id, []));
      room.speakers = { active, levels };
    }
    return room;
  }

  #room(id: string): Room {
    const r = this.#rooms.get(id);
    if (!r) throw new SfuError('NOT_FOUND', 'This room is not open on the SFU (it may have ended).');
    return r;
  }

  #peer(room: Room, peerId: string): Peer {
    const p = room.peers.get(peerId);
    if (!p) throw new SfuError('NOT_FOUND', 'Unknown connection; join again.');
    return p;
  }

  readonly #making = new Map<string, Promise<void>>();
  readonly #piping = new Map<string, Promise<void>>();

  async ensureRoom(spec: RoomSpec): Promise<void> {
    if (this.#rooms.has(spec.id)) return;
    // Two callers at once (two api instances) make one router.
    let p = this.#making.get(spec.id);
    if (!p) {
      p = (async () => {
        this.#rooms.set(spec.id, await this.#makeRoom(spec, await this.#leastLoaded()));
      })().finally(() => this.#making.delete(spec.id));
      this.#making.set(spec.id, p);
    }
    await p;
  }

  /** This room's end of a pipe to another node's router (`key`: the other node); made once. */
  async openPipe(roomId: string, key: string): Promise<{ ip: string; port: number }> {
    const room = this.#room(roomId);
    let pipe = room.pipes.get(key);
    if (!pipe) {
      const transport = await room.router.createPipeTransport({
        listenIp: {
          ip: this.#o.listenIp,
          ...(this.#o.announcedIp ? { announcedIp: this.#o.announcedIp } : {}),
        },
        enableRtx: true,
      });
      // A second caller may have made it meanwhile: keep the first.
      pipe = room.pipes.get(key);
      if (pipe) transport.close();
      else {
        pipe = { transport, connected: false, consumers: new Map(), producers: new Map() };
        room.pipes.set(key, pipe);
      }
    }
    const t = pipe.transport.tuple;
    return { ip: t.localIp, port: t.localPort };
  }

  #pipe(roomId: string, key: string): Pipe {
    const p = this.#room(roomId).pipes.get(key);
    if (!p) throw new SfuError('NOT_FOUND', 'No pipe to that media node in this room.');
    return p;
  }

  async connectPipe(roomId: string, key: string, remote: { ip: string; port: number }): Promise<void> {
    const pipe = this.#pipe(roomId, key);
    if (pipe.connected) return;
    pipe.connected = true;
    await pipe.transport.connect(remote);
  }

  /** Origin side: sends a producer into the pipe; what the other node needs to produce it again. */
  async pipeConsume(roomId: string, key: string, producerId: string): Promise<PipedProducer> {
    const pipe = this.#pipe(roomId, key);
    let c = pipe.consumers.get(producerId);
    if (!c) {
      c = await pipe.transport.consume({ producerId });
      const consumer = c;
      pipe.consumers.set(producerId, consumer);
      consumer.on('producerclose', () => {
        pipe.consumers.delete(producerId);
        this.emit('pipe-producer-closed', roomId, key, producerId);
      });
      consumer.observer.once('close', () => pipe.consumers.delete(producerId));
    }
    const room = this.#room(roomId);
    const source = [...room.peers.values()]
      .find((p) => p.producers.has(producerId))
      ?.producers.get(producerId);
    return { id: producerId, kind: c.kind, rtpParameters: c.rtpParameters, appData: { ...source?.appData } };
  }

  /** Edge side: the origin's producer again, same id, for this node's viewers (no producer event: the origin announced it). */
  async pipeProduce(roomId: string, key: string, p: PipedProducer): Promise<void> {
    const pipe = this.#pipe(roomId, key);
    if (pipe.producers.has(p.id)) return;
    // Two api instances may pipe the same producer at once: one produce per id, the other waits for it.
    const inFlight = `${roomId}|${key}|${p.id}`;
    const pending = this.#piping.get(inFlight);
    if (pending) return pending;
    const run = (async () => {
      const producer = await pipe.transport.produce({
        id: p.id,
        kind: p.kind,
        rtpParameters: p.rtpParameters,
        appData: { ...p.appData, piped: key },
      });
      pipe.producers.set(p.id, producer);
      producer.observer.once('close', () => pipe.producers.delete(p.id));
    })().finally(() => this.#piping.delete(inFlight));
    this.#piping.set(inFlight, run);
    return run;
  }

  /** The other nodes this room has pipes with. */
  pipeKeys(roomId: string): string[] {
    return [...(this.#rooms.get(roomId)?.pipes.keys() ?? [])];
  }

  /** Edge side: the origin's producer ended. */
  async closePipedProducer(roomId: string, key: string, producerId: string): Promise<void> {
    this.#rooms.get(roomId)?.pipes.get(key)?.producers.get(producerId)?.close();
  }

  async destroyRoom(id: string): Promise<void> {
    const r = this.#rooms.get(id);
    if (!r) return;
    this.#rooms.delete(id);
    if (r.forward) clearInterval(r.forward.timer);
    r.router.close();
  }

  /** Browser connections (peers) in every room: a media node's load. */
  get peerCount(): number {
    let n = 0;
    for (const r of this.#rooms.values()) n += r.peers.size;
    return n;
  }

  async listRooms(): Promise<string[]> {
    return [...this.#rooms.keys()];
  }

  /** One peer's user and producers (undefined: no such peer here). */
  peerInfo(roomId: string, peerId: string): { userId: string; producers: ProducerInfo[] } | undefined {
    const p = this.#rooms.get(roomId)?.peers.get(peerId);
    if (!p) return undefined;
    return {
      userId: p.userId,
      producers: [...p.producers.values()].map((pr) => ({
        id: pr.id,
        userId: p.userId,
        source: (pr.appData as { source: MediaSource }).source,
        kind: pr.kind,
      })),
    };
  }

  async participants(roomId: string): Promise<Participant[]> {
    const r = this.#rooms.get(roomId);
    if (!r) return [];
    const by = new Map<string, Participant>();
    for (const p of r.peers.values()) {
      const cur = by.get(p.userId);
      by.set(p.userId, {
        id: p.userId,
        display: p.userId,
        publishing: (cur?.publishing ?? false) || p.producers.size > 0,
      });
    }
    return [...by.values()];
  }

  rtpCapabilities(roomId: string): types.RtpCapabilities {
    return this.#room(roomId).router.rtpCapabilities;
  }

  /** A WebRTC transport for one peer (a browser tab in this room), sending or receiving. */
  async openTransport(roomId: string, peerId: string, userId: string): Promise<TransportParams> {
    const room = this.#room(roomId);
    let peer = room.peers.get(peerId);
    if (!peer) {
      peer = { userId, transports: new Map(), producers: new Map(), consumers: new Map() };
      room.peers.set(peerId, peer);
    }
    if (peer.transports.size >= 2)
      throw new SfuError('CONFLICT', 'This connection already has its transports.');
    const t = await room.router.createWebRtcTransport({
      listenIps: [
        { ip: this.#o.listenIp, ...(this.#o.announcedIp ? { announcedIp: this.#o.announcedIp } : {}) },
      ],
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: 1_000_000,
    });
    peer.transports.set(t.id, t);
    return {
      id: t.id,
      iceParameters: t.iceParameters,
      iceCandidates: t.iceCandidates,
      dtlsParameters: t.dtlsParameters,
    };
  }

  async connectTransport(roomId: string, peerId: string, transportId: string, dtls: types.DtlsParameters) {
    const t = this.#peer(this.#room(roomId), peerId).transports.get(transportId);
    if (!t) throw new SfuError('NOT_FOUND', 'Unknown transport; join again.');
    await t.connect({ dtlsParameters: dtls });
  }

  async produce(
    roomId: string,
    peerId: string,
    transportId: string,
    o: { kind: types.MediaKind; rtpParameters: types.RtpParameters; source: MediaSource },
  ): Promise<string> {
    const room = this.#room(roomId);
    const peer = this.#peer(room, peerId);
    const t = peer.transports.get(transportId);
    if (!t) throw new SfuError('NOT_FOUND', 'Unknown transport; join again.');
    const producer = await t.produce({
      kind: o.kind,
      rtpParameters: o.rtpParameters,
      appData: { source: o.source, userId: peer.userId },
    });
    peer.producers.set(producer.id, producer);
    if (room.speakers && o.kind === 'audio') {
      await room.speakers.active.addProducer({ producerId: producer.id });
      await room.speakers.levels.addProducer({ producerId: producer.id });
    }
    const info: ProducerInfo = { id: producer.id, userId: peer.userId, source: o.source, kind: o.kind };
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      this.emit('producer-closed', roomId, producer.id);
    });
    this.emit('producer', roomId, info);
    return producer.id;
  }

  async closeProducer(roomId: string, peerId: string, producerId: string): Promise<void> {
    this.#peer(this.#room(roomId), peerId).producers.get(producerId)?.close();
  }

  /** Every producer in the room now. */
  producers(roomId: string): ProducerInfo[] {
    const r = this.#rooms.get(roomId);
    if (!r) return [];
    return [...r.peers.values()].flatMap((p) =>
      [...p.producers.values()].map((pr) => ({
        id: pr.id,
        userId: p.userId,
        source: (pr.appData as { source: MediaSource }).source,
        kind: pr.kind,
      })),
    );
  }

  /** A consumer of `producerId` on the peer's receiving transport, paused until the browser is ready. */
  async consume(
    roomId: string,
    peerId: string,
    transportId: string,
    producerId: string,
    rtpCapabilities: types.RtpCapabilities,
  ): Promise<ConsumerParams> {
    const room = this.#room(roomId);
    const peer = this.#peer(room, peerId);
    const t = peer.transports.get(transportId);
    if (!t) throw new SfuError('NOT_FOUND', 'Unknown transport; join again.');
    if (!room.router.canConsume({ producerId, rtpCapabilities }))
      throw new SfuError(
        'CONFLICT',
        'This device cannot play that stream (no common codec), or it has ended.',
      );
    const c = await t.consume({ producerId, rtpCapabilities, paused: true });
    peer.consumers.set(c.id, c);
    c.observer.once('close', () => peer.consumers.delete(c.id));
    c.on('producerclose', () => c.close());
    return { id: c.id, producerId, kind: c.kind, rtpParameters: c.rtpParameters, layers: spatialLayers(c) };
  }

  async resumeConsumer(roomId: string, peerId: string, consumerId: string): Promise<void> {
    const c = this.#peer(this.#room(roomId), peerId).consumers.get(consumerId);
    if (!c) throw new SfuError('NOT_FOUND', 'Unknown stream; watch again.');
    await c.resume();
    if (c.kind === 'video') await c.requestKeyFrame();
  }

  /** The viewer's own quality choice: a simulcast layer (0 = lowest) as a cap, or undefined for the best the line allows. */
  async setLayer(roomId: string, peerId: string, consumerId: string, spatialLayer?: number): Promise<number> {
    const c = this.#peer(this.#room(roomId), peerId).consumers.get(consumerId);
    if (!c) throw new SfuError('NOT_FOUND', 'Unknown stream; watch again.');
    if (c.type !== 'simulcast') return 0;
    const top = spatialLayers(c) - 1;
    const layer = Math.min(top, Math.max(0, spatialLayer ?? top));
    await c.setPreferredLayers({ spatialLayer: layer, temporalLayer: 2 });
    return layer;
  }

  /** Caps what the SFU sends to a user's connections in a room, bits/s (tests: a weak line). */
  async limitUser(roomId: string, userId: string, bitsPerSecond: number): Promise<void> {
    for (const p of this.#room(roomId).peers.values())
      if (p.userId === userId)
        for (const t of p.transports.values()) await t.setMaxOutgoingBitrate(bitsPerSecond);
  }

  /** Closes everything a peer (a browser tab) had in the room. */
  async closePeer(roomId: string, peerId: string): Promise<void> {
    const room = this.#rooms.get(roomId);
    const peer = room?.peers.get(peerId);
    if (!room || !peer) return;
    room.peers.delete(peerId);
    for (const t of peer.transports.values()) t.close();
  }

  /**
   * Forwards a publisher's microphone and one of its videos (mid "1" camera, "2" screen, as
   * with Janus) as plain RTP to live HLS; calling it again replaces the previous forwarders.
   */
  async forward(roomId: string, publisherId: string, target: RtpTarget, videoMid = '1'): Promise<void> {
    const room = this.#room(roomId);
    const source: MediaSource = videoMid === '2' ? 'screen' : 'camera';
    const mine = this.producers(roomId).filter((p) => p.userId === publisherId);
    const audio = mine.find((p) => p.source === 'mic');
    const video = mine.find((p) => p.source === source) ?? mine.find((p) => p.kind === 'video');
    if (!audio && !video) throw new SfuError('NOT_FOUND', 'The teacher is not publishing.');
    const key = `${publisherId}|${audio?.id}|${video?.id}|${target.host}:${target.audioPort}:${target.videoPort}`;
    if (room.forward?.key === key) {
      // The same streams to the same ffmpeg (forwarding asked twice; a new ffmpeg run has ports of its
      // own): a new consumer would restart the RTP sequence under it; a keyframe is all it needs.
      await room.forward.video?.requestKeyFrame();
      return;
    }
    this.#stopForward(room);
    const fw: Forward = { key, transports: [] };
    const to = async (producerId: string, port: number) => {
      const t = await room.router.createPlainTransport({
        listenIp: { ip: '127.0.0.1' },
        rtcpMux: false,
        comedia: false,
      });
      fw.transports.push(t);
      await t.connect({ ip: target.host, port, rtcpPort: port + 1 });
      const c = await t.consume({ producerId, rtpCapabilities: room.router.rtpCapabilities, paused: false });
      // The top simulcast layer (live HLS copies it as its top rung).
      if (c.type === 'simulcast')
        await c.setPreferredLayers({ spatialLayer: spatialLayers(c) - 1, temporalLayer: 2 });
      return c;
    };
    if (audio) await to(audio.id, target.audioPort);
    const v = video ? await to(video.id, target.videoPort) : undefined;
    if (v) {
      fw.video = v;
      await v.requestKeyFrame();
      fw.timer = setInterval(
        () => void v.requestKeyFrame().catch(ignore('a keyframe asked of a stream that just ended')),
        Math.max(1, room.spec.keyframeEverySec) * 1000,
      );
    }
    room.forward = fw;
  }

  /**
   * bench:live's light receivers: `n` SRTP plain-RTP transports, each consuming the room's audio
   * and video (the top simulcast layer) to 127.0.0.1:(firstPort + 4i). Returns what closes them.
   */
  async benchReceivers(
    roomId: string,
    n: number,
    firstPort: number,
    srtp: { cryptoSuite: types.SrtpCryptoSuite; keyBase64: string },
  ): Promise<() => Promise<void>> {
    const room = this.#room(roomId);
    const transports: types.PlainTransport[] = [];
    for (let i = 0; i < n; i++) {
      const t = await room.router.createPlainTransport({
        listenIp: { ip: '127.0.0.1' },
        rtcpMux: true,
        comedia: false,
        enableSrtp: true,
        srtpCryptoSuite: srtp.cryptoSuite,
      });
      transports.push(t);
      await t.connect({ ip: '127.0.0.1', port: firstPort + 4 * i, srtpParameters: srtp });
      for (const p of this.producers(roomId)) {
        const c = await t.consume({ producerId: p.id, rtpCapabilities: room.router.rtpCapabilities });
        if (c.type === 'simulcast') await c.setPreferredLayers({ spatialLayer: spatialLayers(c) - 1 });
      }
    }
    return async () => transports.forEach((t) => t.close());
  }

  #stopForward(room: Room): void {
    if (!room.forward) return;
    clearInterval(room.forward.timer);
    for (const t of room.forward.transports) t.close();
    room.forward = undefined;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const r of this.#rooms.values()) this.#stopForward(r);
    this.#rooms.clear();
    for (const w of this.#workers) w.close();
    this.#workers.length = 0;
  }
}
