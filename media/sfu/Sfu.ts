/**
 * The SFU interfaces. `SfuRooms` is what every SFU offers the rest of
 * Skyclass: rooms, who is in them, and plain-RTP forwarding to live HLS.
 * mediasoup (media/mediasoup/MediasoupSfu.ts, the service's SFU) adds
 * transports, producers and consumers for mediasoup-client; Janus
 * (media/janus/JanusSfu.ts, kept for bench:live's side-by-side figures)
 * adds SDP offer/answer (`Sfu`). Browsers never talk to the SFU's API.
 */
import type { EventEmitter } from 'node:events';

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

export interface RoomSpec {
  id: string;
  description: string;
  /** Publishers at once (a broadcast: 1 teacher; a class side room: a few). */
  maxPublishers: number;
  /** H.264 lets live HLS copy the teacher's video; VP8 for side rooms. */
  videoCodec: 'h264' | 'vp8';
  /** Cap per publisher, bits/s. */
  bitrate: number;
  /** Ask publishers for a keyframe this often (seconds): gives the HLS segmenter its cut points. */
  keyframeEverySec: number;
  /** Tell the room who speaks and how loud (a class's side room). */
  detectSpeakers?: boolean;
}

export interface Participant {
  id: string;
  display: string;
  publishing: boolean;
}

/** One WebRTC peer connection on the SFU side (a publisher or a subscriber). */
export interface SfuPeer extends EventEmitter<{ up: []; down: [reason: string] }> {
  readonly id: string;
  trickle(candidate: IceCandidate | null): Promise<void>;
  close(): Promise<void>;
}

export interface Subscription {
  peer: SfuPeer;
  offer: Jsep;
  /** Sends the browser's answer; media flows after it. */
  start(answer: Jsep): Promise<void>;
}

export interface RtpTarget {
  host: string;
  audioPort: number;
  videoPort: number;
  /** Rewrite the payload types to these (the receiver's SDP names them). */
  audioPt?: number;
  videoPt?: number;
}

export interface SfuRooms {
  ensureRoom(spec: RoomSpec): Promise<void>;
  destroyRoom(id: string): Promise<void>;
  /** Rooms that exist on the SFU right now. */
  listRooms(): Promise<string[]>;
  participants(roomId: string): Promise<Participant[]>;
  /**
   * Forwards a publisher's audio (mid 0) and one of its videos (mid 1 camera, mid 2 screen)
   * as plain RTP; calling it again replaces the previous forwarders.
   */
  forward(roomId: string, publisherId: string, target: RtpTarget, videoMid?: string): Promise<void>;
}

/** An SFU driven by SDP offers and answers (Janus). */
export interface Sfu extends SfuRooms {
  publish(
    roomId: string,
    who: { id: string; display: string },
    offer: Jsep,
  ): Promise<{ peer: SfuPeer; answer: Jsep }>;
  subscribe(roomId: string, publisherId: string): Promise<Subscription>;
}
