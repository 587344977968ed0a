/** Live lessons: REST calls and the socket.io signaling used by the studio and viewer pages. */
import type { LiveStatus } from '../../server/live/LiveLesson.ts';
import { api } from './api.ts';
import { realtime } from './realtime.ts';

export interface LiveLessonView {
  id: string;
  title: string;
  grade: number;
  subject: string;
  teacherName: string;
  status: LiveStatus;
  publisherId?: string;
  screenOn?: boolean;
  scheduledAt?: string;
  startedAt?: string;
  endedAt?: string;
  replayLessonId?: string;
  canRun: boolean;
}

export const liveApi = {
  list: () => api<{ lessons: LiveLessonView[] }>('GET', '/api/live'),
  get: (id: string) => api<{ lesson: LiveLessonView }>('GET', `/api/live/${encodeURIComponent(id)}`),
  create: (b: { title: string; grade: number; subject: string }) =>
    api<{ lesson: LiveLessonView }>('POST', '/api/live', b),
  start: (id: string) =>
    api<{ lesson: LiveLessonView; publishToken: string }>(
      'POST',
      `/api/live/${encodeURIComponent(id)}/start`,
    ),
  playback: (id: string) => api<{ masterUrl: string }>('GET', `/api/live/${encodeURIComponent(id)}/playback`),
  end: (id: string) => api<{ lesson: LiveLessonView }>('POST', `/api/live/${encodeURIComponent(id)}/end`),
};

export class SignalError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** One signaling call over socket.io; the server answers {error:{code,message}} or a result. */
export async function signal<T>(event: string, payload: unknown): Promise<T> {
  const reply = (await realtime().timeout(20_000).emitWithAck(event, payload)) as T & {
    error?: { code: string; message: string };
  };
  if (reply?.error) throw new SignalError(reply.error.code, reply.error.message);
  return reply;
}

export async function gathered(pc: RTCPeerConnection, maxMs = 3000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      if (pc.iceGatheringState === 'complete') resolve();
    };
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, maxMs); // send what we have; Janus also gets the rest by trickle
  });
}

/** Prefer H.264 (constrained baseline, packetization-mode 1): live HLS copies it without re-encoding. */
export function preferH264(t: RTCRtpTransceiver): void {
  const caps = RTCRtpSender.getCapabilities?.('video');
  if (!caps || !t.setCodecPreferences) return;
  const h264 = caps.codecs.filter(
    (c) =>
      c.mimeType === 'video/H264' &&
      /packetization-mode=1/.test(c.sdpFmtpLine ?? '') &&
      /profile-level-id=42e01f/.test(c.sdpFmtpLine ?? ''),
  );
  if (h264.length)
    t.setCodecPreferences([...h264, ...caps.codecs.filter((c) => c.mimeType !== 'video/H264')]);
}
