/**
 * The browser side of the SFU: mediasoup-client over the server's socket.io
 * signaling (sfu:* events in contracts/realtime.ts). One session per room
 * (a live lesson or a class's side room): the device is loaded from the
 * room's router capabilities; a sending and a receiving transport are
 * opened when first needed; `publish` sends a track (the camera as three
 * simulcast layers), `watch` receives a producer (paused until the track is
 * wired, then resumed), `setLayer` caps a simulcast stream at a layer or
 * lets the SFU choose from the line (null).
 */
import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';

type Consumer = types.Consumer;
type Producer = types.Producer;
type Transport = types.Transport;
import { signal } from './liveApi.ts';
import { listen, realtime } from './realtime.ts';
import type { SfuProducer, SfuRoomRef } from '../../contracts/realtime.ts';

export type { SfuProducer };

/** The camera's simulcast layers: quarter, half and full size (mediasoup picks one per viewer). */
const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1_800_000 },
];

export interface Watched {
  consumer: Consumer;
  track: MediaStreamTrack;
  /** Simulcast layers to choose from (1: a single layer). */
  layers: number;
}

export class SfuSession {
  readonly peerId: string;
  readonly roomKey: string;
  /** The producers in the room when it was joined (later ones arrive through onProducer). */
  readonly producers: SfuProducer[];
  readonly #device: Device;
  #send?: Promise<Transport>;
  #recv?: Promise<Transport>;
  readonly #stops: (() => void)[] = [];
  #closed = false;
  /** Sent with every publish in a live lesson. */
  publishToken?: string;
  readonly #resets: (() => void)[] = [];
  /** Producers announced between the join's snapshot and the page's onProducer (not missed, not doubled). */
  #early: SfuProducer[] = [];

  private constructor(
    device: Device,
    joined: { peerId: string; roomKey: string; producers: SfuProducer[] },
    room: SfuRoomRef,
  ) {
    this.#device = device;
    this.peerId = joined.peerId;
    this.roomKey = joined.roomKey;
    this.producers = joined.producers;
    // The socket reconnected (possibly to another server instance, the first one gone): the media
    // never stopped, so that instance takes this connection over; if it cannot, join again.
    const manager = realtime().io;
    const adopt = () => {
      if (this.#closed) return;
      signal('sfu:adopt', { room, peerId: this.peerId }).catch(() => {
        if (!this.#closed) this.#resets.forEach((fn) => fn());
      });
    };
    manager.on('reconnect', adopt);
    this.#stops.push(() => manager.off('reconnect', adopt));
  }

  static async join(room: SfuRoomRef): Promise<SfuSession> {
    // A producer may appear while the join is answered (the teacher publishing again after a restart):
    // listen from before the join, so the page gets it once it listens itself.
    const early: { roomKey: string; producer: SfuProducer }[] = [];
    const stop = listen('sfu:producer', (e) => early.push(e));
    try {
      const joined = await signal('sfu:join', { room });
      const device = new Device();
      await device.load({ routerRtpCapabilities: joined.rtpCapabilities as never });
      const s = new SfuSession(device, joined, room);
      const known = new Set(joined.producers.map((p) => p.id));
      s.#early = early
        .filter((e) => e.roomKey === joined.roomKey && !known.has(e.producer.id))
        .map((e) => e.producer);
      return s;
    } finally {
      stop();
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  onProducer(fn: (p: SfuProducer) => void): void {
    const early = this.#early;
    this.#early = [];
    this.#stops.push(listen('sfu:producer', (e) => e.roomKey === this.roomKey && fn(e.producer)));
    for (const p of early) fn(p);
  }

  onProducerClosed(fn: (producerId: string) => void): void {
    this.#stops.push(listen('sfu:producer-closed', (e) => e.roomKey === this.roomKey && fn(e.producerId)));
  }

  /** Who speaks now (side rooms). */
  onSpeaker(fn: (userId: string) => void): void {
    this.#stops.push(listen('sfu:speaker', (e) => e.roomKey === this.roomKey && fn(e.userId)));
  }

  /** How loud each person making sound is (dBov, -127 … 0); [] when everyone is silent. */
  onLevels(fn: (levels: { userId: string; volume: number }[]) => void): void {
    this.#stops.push(listen('sfu:levels', (e) => e.roomKey === this.roomKey && fn(e.levels)));
  }

  /** The SFU restarted the room: this session is dead; join again. */
  onReset(fn: () => void): void {
    this.#resets.push(fn);
    this.#stops.push(listen('sfu:reset', (e) => e.roomKey === this.roomKey && fn()));
  }

  async #transport(direction: 'send' | 'recv'): Promise<Transport> {
    const p = await signal('sfu:transport', { peerId: this.peerId });
    const params = {
      id: p.id,
      iceParameters: p.iceParameters as never,
      iceCandidates: p.iceCandidates as never,
      dtlsParameters: p.dtlsParameters as never,
    };
    const t =
      direction === 'send'
        ? this.#device.createSendTransport(params)
        : this.#device.createRecvTransport(params);
    t.on('connect', ({ dtlsParameters }, done, fail) => {
      signal('sfu:connect', {
        peerId: this.peerId,
        transportId: t.id,
        dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
      }).then(() => done(), fail);
    });
    if (direction === 'send')
      t.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
        signal('sfu:produce', {
          peerId: this.peerId,
          transportId: t.id,
          kind,
          rtpParameters: rtpParameters as unknown as Record<string, unknown>,
          source: (appData as { source: 'camera' | 'mic' | 'screen' }).source,
          publishToken: this.publishToken,
        }).then(({ producerId }) => done({ id: producerId }), fail);
      });
    return t;
  }

  /** The sending transport's connection state (for the studio's "live" badge). */
  async onSendState(fn: (state: RTCPeerConnectionState) => void): Promise<void> {
    (await (this.#send ??= this.#transport('send'))).on('connectionstatechange', fn);
  }

  /** The receiving transport's connection state (a viewer's "playing" / "reconnecting"). */
  async onRecvState(fn: (state: RTCPeerConnectionState) => void): Promise<void> {
    (await (this.#recv ??= this.#transport('recv'))).on('connectionstatechange', fn);
  }

  /** The receiving transport reaches the video server: an ICE candidate pair succeeded (slow, not blocked). */
  async recvReachable(): Promise<boolean> {
    const t = await this.#recv?.catch(() => undefined);
    if (!t || t.closed) return false;
    let reached = false;
    (await t.getStats()).forEach((st: { type: string; state?: string }) => {
      if (st.type === 'candidate-pair' && st.state === 'succeeded') reached = true;
    });
    return reached;
  }

  /** Sends a track: the camera in three simulcast layers, the screen and microphone as one. */
  async publish(track: MediaStreamTrack, source: 'camera' | 'mic' | 'screen'): Promise<Producer> {
    const t = await (this.#send ??= this.#transport('send'));
    const h264 = this.#device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/h264');
    return t.produce({
      track,
      // The page owns its tracks: a session closed for a reconnect must not stop the camera.
      stopTracks: false,
      appData: { source },
      ...(source === 'camera' ? { encodings: CAMERA_LAYERS } : {}),
      ...(source === 'screen' ? { encodings: [{ maxBitrate: 1_500_000 }] } : {}),
      // The live lesson's room prefers H.264 (live HLS copies it); the router's first video codec decides.
      ...(track.kind === 'video' && h264 && this.roomKey.startsWith('live:') ? { codec: h264 } : {}),
      codecOptions: track.kind === 'video' ? { videoGoogleStartBitrate: 1000 } : { opusDtx: true },
    });
  }

  async watch(producerId: string): Promise<Watched> {
    const t = await (this.#recv ??= this.#transport('recv'));
    const c = await signal('sfu:consume', {
      peerId: this.peerId,
      transportId: t.id,
      producerId,
      rtpCapabilities: this.#device.rtpCapabilities as unknown as Record<string, unknown>,
    });
    const consumer = await t.consume({
      id: c.id,
      producerId: c.producerId,
      kind: c.kind,
      rtpParameters: c.rtpParameters as never,
    });
    await signal('sfu:resume', { peerId: this.peerId, consumerId: consumer.id });
    return { consumer, track: consumer.track, layers: c.layers };
  }

  /** Caps a simulcast stream at a layer (0 lowest), or null: the best the line allows. */
  async setLayer(consumerId: string, layer: number | null): Promise<number> {
    return (await signal('sfu:layer', { peerId: this.peerId, consumerId, layer })).layer;
  }

  async unpublish(producer: Producer): Promise<void> {
    producer.close();
    await signal('sfu:unproduce', { peerId: this.peerId, producerId: producer.id }).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stops.forEach((s) => s());
    for (const p of [this.#send, this.#recv]) void p?.then((t) => t.close()).catch(() => undefined);
    await signal('sfu:leave', { peerId: this.peerId }).catch(() => undefined);
  }
}
