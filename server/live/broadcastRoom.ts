import type { RoomSpec } from '../../media/sfu/Sfu.ts';
import type { LiveLesson } from './LiveLesson.ts';

/** A live lesson's room on the SFU: one publisher (the teacher), H.264 so live HLS copies it. */
export function broadcastRoom(l: LiveLesson): RoomSpec {
  return {
    id: l.roomId,
    description: `${l.grade} ${l.subject} ${l.title}`,
    maxPublishers: 1,
    videoCodec: 'h264',
    bitrate: 2_500_000,
    keyframeEverySec: 2,
  };
}
