/**
 * The small SFU interface the rest of Skyclass uses. Browsers never talk
 * to the SFU's API: the server checks who may publish or watch, then
 * brokers the SDP through this interface. Janus (JanusSfu) implements it.
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

export interface Sfu {
  ensureRoom(spec: RoomSpec): Promise<void>;
  destroyRoom(id: string): Promise<void>;
  /** Rooms that exist on the SFU right now. */
  listRooms(): Promise<string[]>;
  participants(roomId: string): Promise<Participant[]>;
  publish(
    roomId: string,
    who: { id: string; display: string },
    offer: Jsep,
  ): Promise<{ peer: SfuPeer; answer: Jsep }>;
  subscribe(roomId: string, publisherId: string): Promise<Subscription>;
  /**
   * Forwards a publisher's audio (mid 0) and one of its videos (mid 1 camera, mid 2 screen)
   * as plain RTP; calling it again replaces the previous forwarders.
   */
  forward(roomId: string, publisherId: string, target: RtpTarget, videoMid?: string): Promise<void>;
}
