/**
 * The socket.io events, both ways, as hls.js's `types/events.ts` does for
 * its events: `ClientToServerEvents` and `ServerToClientEvents` type the
 * server (`new Server<…>`) and the browser (`io() as Socket<…>`), and
 * `clientPayloads` holds the zod schema every incoming payload is checked
 * against before a handler sees it. Every client call is answered through
 * its acknowledgement with the result or `{ error: { code, message } }`.
 */
import { z } from 'zod';
import { ErrorBody, Ok } from './common.ts';
import { DEVICES, WATCH_KINDS, type RoomMessage, type Viewing } from './presence.ts';
import type { LessonUpdateEvent } from './lessons.ts';

export type { LessonUpdateEvent };

const id = z.string().min(1).max(80);
const classId = z.object({ classId: id });

/** A room on the SFU: a grade's live lesson, or a class's side room. */
export const SfuRoomRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('live'), lessonId: id }),
  z.object({ kind: z.literal('side'), classId: id }),
]);
export type SfuRoomRef = z.infer<typeof SfuRoomRef>;
/** mediasoup's parameters pass through as they are (mediasoup validates them); only their size is bounded here. */
const sfuBlob = z
  .record(z.string(), z.unknown())
  .refine((v) => JSON.stringify(v).length < 50_000, 'too large');
const peerId = z.string().regex(/^p_[0-9a-f]{16}$/, 'a peer id from sfu:join');

/** Schemas of what clients send, per event. */
export const clientPayloads = {
  'presence:beat': z.object({
    kind: z.enum(WATCH_KINDS),
    ref: z.string().regex(/^[\w-]{1,64}$/),
    title: z.string().max(120).optional(),
    position: z.number().min(0).max(86_400).default(0),
    device: z.enum(DEVICES).default('desktop'),
    tab: z.string().regex(/^[\w-]{6,40}$/),
  }),
  'presence:leave': z.object({ tab: z.string().max(40) }),
  'presence:subscribe': classId,
  'presence:unsubscribe': classId,

  'room:join': classId,
  'room:send': classId.extend({
    kind: z.enum(['chat', 'question']).default('chat'),
    text: z.string().max(2000),
  }),
  'room:hand': classId.extend({ up: z.boolean() }),
  'room:answer': classId.extend({ questionId: z.number().int().positive(), text: z.string().max(2000) }),
  'room:pin': classId.extend({ messageId: z.number().int().positive(), pinned: z.boolean().default(true) }),
  'room:delete': classId.extend({ messageId: z.number().int().positive() }),
  'room:mute': classId.extend({ userId: id, minutes: z.number().min(0).max(60).default(5) }),

  'side:state': classId,
  'side:open': classId,
  'side:close': classId,
  'side:floor': classId.extend({ userId: id, on: z.boolean().default(true) }),

  'sfu:join': z.object({ room: SfuRoomRef }),
  'sfu:transport': z.object({ peerId }),
  'sfu:connect': z.object({ peerId, transportId: id, dtlsParameters: sfuBlob }),
  'sfu:produce': z.object({
    peerId,
    transportId: id,
    kind: z.enum(['audio', 'video']),
    rtpParameters: sfuBlob,
    source: z.enum(['camera', 'mic', 'screen']),
    /** Live lessons: the publish token from POST /api/live/{id}/start. */
    publishToken: z.string().max(1000).optional(),
  }),
  'sfu:unproduce': z.object({ peerId, producerId: id }),
  'sfu:consume': z.object({ peerId, transportId: id, producerId: id, rtpCapabilities: sfuBlob }),
  'sfu:resume': z.object({ peerId, consumerId: id }),
  /** A simulcast layer as a cap (0 = lowest), or null for the best the line allows. */
  'sfu:layer': z.object({ peerId, consumerId: id, layer: z.number().int().min(0).max(2).nullable() }),
  'sfu:leave': z.object({ peerId }),
  /** After a reconnect to another api instance (the first one died): take this page's connection over. */
  'sfu:adopt': z.object({ room: SfuRoomRef, peerId }),

  'channel:follow': z.object({
    channel: z.string().regex(/^grade-\d{1,2}$/, 'a channel id such as grade-3'),
  }),
  'channel:unfollow': z.object({ channel: z.string().max(20) }),

  'live:screen': z.object({ lessonId: id, on: z.boolean() }),
} as const;
export type ClientEvent = keyof typeof clientPayloads;
export type PayloadOf<E extends ClientEvent> = z.input<(typeof clientPayloads)[E]>;
export type ParsedPayloadOf<E extends ClientEvent> = z.output<(typeof clientPayloads)[E]>;

export type Ok = z.infer<typeof Ok>;
export interface SocketError {
  error: z.infer<typeof ErrorBody> & { retryAfterSec?: number; reason?: string };
}
/** What the acknowledgement carries: the result or an error. */
export type Reply<T> = T | SocketError;

export interface SideState {
  classId: string;
  open: boolean;
  roomId: string;
  openedBy?: string;
  /** Students who may publish. */
  floor: string[];
  /** Who publishes now (user ids). */
  publishers: string[];
}
export interface RoomJoined {
  ok: true;
  messages: RoomMessage[];
  more: boolean;
  pinned: RoomMessage[];
  hands: Record<string, number>;
  mutedUntil: number | null;
  /** Supervisors (督导: district admins) reading the room now, read-only; the class sees them. */
  observers: string[];
  /** This user only reads (an observer). */
  readOnly: boolean;
}
export type PresenceChange = 'joined' | 'switched' | 'same' | 'left' | 'none';
export interface PresenceUpdate {
  classId: string;
  studentId: string;
  change: PresenceChange;
  /** What the student watches now on any tab (empty: left). */
  viewings: Viewing[];
  at: number;
}

/** What each client event's acknowledgement carries when it succeeds. */
export interface ClientResults {
  'presence:beat': Ok;
  'presence:leave': Ok;
  'presence:subscribe': Ok;
  'presence:unsubscribe': Ok;
  'room:join': RoomJoined;
  'room:send': Ok & { message: RoomMessage };
  'room:hand': Ok;
  'room:answer': Ok & { message: RoomMessage };
  'room:pin': Ok;
  'room:delete': Ok;
  'room:mute': Ok & { until: number | null };
  'side:state': SideState;
  'side:open': SideState;
  'side:close': Ok;
  'side:floor': Ok & { floor: string[] };
  'sfu:join': SfuJoined;
  'sfu:transport': SfuTransport;
  'sfu:connect': Ok;
  'sfu:produce': { producerId: string };
  'sfu:unproduce': Ok;
  'sfu:consume': SfuConsumer;
  'sfu:resume': Ok;
  'sfu:layer': { layer: number };
  'sfu:leave': Ok;
  'sfu:adopt': { roomKey: string; producers: SfuProducer[] };
  'channel:follow': Ok;
  'channel:unfollow': Ok;
  'live:screen': Ok;
}

export type ClientToServerEvents = {
  [E in ClientEvent]: (payload: PayloadOf<E>, ack?: (reply: Reply<ClientResults[E]>) => void) => void;
};

export interface ServerToClientEvents {
  /** This session was ended (signed out elsewhere, password reset, account switched off). */
  'session:ended': (e: { code: 'AUTH_SESSION_ENDED' }) => void;
  'lesson:update': (e: LessonUpdateEvent) => void;
  'room:message': (m: RoomMessage) => void;
  'room:hands': (e: { classId: string; hands: Record<string, number> }) => void;
  'room:muted': (e: { classId: string; userId: string; until: number | null }) => void;
  'room:observers': (e: { classId: string; observers: string[] }) => void;
  'side:state': (s: SideState) => void;
  'live:viewers': (e: { lessonId: string; viewers: number }) => void;
  'live:publisher': (e: { lessonId: string }) => void;
  'live:screen': (e: { lessonId: string; on: boolean }) => void;
  'presence:update': (e: PresenceUpdate) => void;
  /** A producer appeared in an SFU room this socket joined. */
  'sfu:producer': (e: { roomKey: string; producer: SfuProducer }) => void;
  'sfu:producer-closed': (e: { roomKey: string; producerId: string }) => void;
  /** Who speaks now (side rooms). */
  'sfu:speaker': (e: { roomKey: string; userId: string }) => void;
  /** How loud each person making sound is, dBov (-127 … 0); [] when everyone is silent (side rooms). */
  'sfu:levels': (e: { roomKey: string; levels: { userId: string; volume: number }[] }) => void;
  /** The room was made again (the SFU worker restarted): join again, publish and watch again. */
  'sfu:reset': (e: { roomKey: string }) => void;
  /** A channel switched programme (the scheduler's leader fired a timetable switch), to its followers. */
  'channel:switch': (e: ChannelSwitch) => void;
}

/** mediasoup's own parameter objects, passed to mediasoup-client as they are. */
type SfuParams = Record<string, unknown>;
export interface SfuProducer {
  id: string;
  userId: string;
  source: 'camera' | 'mic' | 'screen';
  kind: 'audio' | 'video';
}
export interface SfuJoined {
  peerId: string;
  /** The room's key in sfu:* pushes ("live:<id>", "side:<class id>"). */
  roomKey: string;
  rtpCapabilities: SfuParams;
  producers: SfuProducer[];
}
export interface SfuTransport {
  id: string;
  iceParameters: SfuParams;
  iceCandidates: SfuParams[];
  dtlsParameters: SfuParams;
}
export interface SfuConsumer {
  id: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: SfuParams;
  /** Simulcast layers the viewer can choose from (1: a single layer). */
  layers: number;
}

export interface ChannelSwitch {
  channel: string;
  kind: 'start' | 'end';
  slotId: string;
  /** When it was due (ms since epoch). */
  at: number;
}

/** Between server instances (socket.io's serverSideEmit over the Redis adapter). */
export interface InterServerEvents {
  'side:revoke': (m: { classId: string; userId: string }) => void;
}
