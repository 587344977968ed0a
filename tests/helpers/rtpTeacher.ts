/**
 * A stand-in for a teacher's stream as the SFU forwards it to the live
 * pipeline: H.264 (baseline, a keyframe every `gop` frames) and Opus over
 * RTP from ffmpeg's test sources, and the published segments kept in memory
 * (the service keeps them in Redis: RedisLiveHlsState). Used by the live HLS
 * tests and bench:homework.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { LocalStorage } from '../../core/storage/LocalStorage.ts';
import { LiveHls, type LiveHlsOptions } from '../../media/live/LiveHls.ts';
import { AUDIO_PT, LIVE_RENDITIONS, VIDEO_PT, type LiveRendition } from '../../media/live/liveArgs.ts';
import { testLogger } from './logger.ts';
import type { LivePlaylistState, LiveSegmentRecord } from '../../media/live/livePlaylist.ts';

export function spawnRtpTeacher(
  target: { host: string; videoPort: number; audioPort: number },
  o: { size?: string; gop?: number; videoKbps?: number } = {},
): ChildProcess {
  return spawn(
    'ffmpeg',
    [
      ...[
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=${o.size ?? '320x180'}:rate=25`,
      ],
      ...['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...[
        '-map',
        '0:v',
        '-c:v',
        'libx264',
        '-profile:v',
        'baseline',
        '-preset',
        'ultrafast',
        '-g',
        String(o.gop ?? 25),
      ],
      ...(o.videoKbps ? ['-b:v', `${o.videoKbps}k`] : []),
      ...['-payload_type', String(VIDEO_PT), '-f', 'rtp', `rtp://${target.host}:${target.videoPort}`],
      ...['-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-payload_type', String(AUDIO_PT), '-f', 'rtp'],
      `rtp://${target.host}:${target.audioPort}`,
    ],
    { stdio: 'ignore' },
  );
}

/** The shared live playlist state in memory, with fencing as the Redis one does it. */
export class MemoryLiveState implements LivePlaylistState {
  readonly lists = new Map<string, LiveSegmentRecord[]>();
  #fence = 0;
  async acquire(): Promise<number> {
    return ++this.#fence;
  }
  async load(rendition: string): Promise<LiveSegmentRecord[]> {
    return [...(this.lists.get(rendition) ?? [])];
  }
  async append(rendition: string, segment: LiveSegmentRecord, fence: number): Promise<boolean> {
    if (fence !== this.#fence) return false;
    this.lists.set(rendition, [...(this.lists.get(rendition) ?? []), segment]);
    return true;
  }
}

/** A live pipeline of the top rendition and the audio on local disk, its segment lists in memory. */
export function liveHlsOnDisk(
  dir: string,
  lessonId: string,
  o: Pick<LiveHlsOptions, 'ffmpegListSize'> = {},
): { live: LiveHls; storage: LocalStorage; state: MemoryLiveState; renditions: LiveRendition[] } {
  const storage = new LocalStorage({
    root: path.join(dir, 'store'),
    baseUrl: () => 'http://127.0.0.1/files',
    signingKey: 'k'.repeat(32),
    defaultUrlTtlMs: 60_000,
  });
  const state = new MemoryLiveState();
  const renditions = LIVE_RENDITIONS.filter((r) => r.name === 'source' || r.audioOnly);
  const live = new LiveHls({
    lessonId,
    storage,
    workDir: path.join(dir, 'work'),
    logger: testLogger(),
    renditions,
    state,
    ...o,
  });
  return { live, storage, state, renditions };
}
