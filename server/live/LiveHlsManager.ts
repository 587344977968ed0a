/**
 * The live HLS pipelines of the lessons this instance broadcasts: started
 * when the teacher's stream comes up (the SFU forwards it to the pipeline's
 * ports), ended with the lesson; the finished recording becomes a replay
 * lesson in the catalogue, playable in the same player as recorded lessons.
 */
import path from 'node:path';
import { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import { AUDIO_PT, LIVE_RENDITIONS, VIDEO_PT } from '../../media/live/liveArgs.ts';
import { LiveHls, livePrefix } from '../../media/live/LiveHls.ts';
import type { SfuRooms } from '../../media/sfu/Sfu.ts';
import type { LivePlaylistState } from '../../media/live/livePlaylist.ts';
import type { Logger } from '../logger.ts';
import type { LiveLesson } from './LiveLesson.ts';
import type { LiveStore } from './LiveStore.ts';
import { ignore } from '../../core/ignore.ts';

export interface LiveHlsManagerDeps {
  storage: Storage;
  lessons: LessonStore;
  live: LiveStore;
  sfu: SfuRooms;
  /** Each lesson's published segments, shared by every node. */
  state: (lessonId: string) => LivePlaylistState;
  dataDir: string;
  logger: Logger;
  ffmpeg?: string;
  commandPrefix?: string[];
  /** Metrics: a segment stored (seconds), a live ffmpeg that crashed and was restarted. */
  observe?: { segmentStored(seconds: number): void; ffmpegRestarted(): void };
}

export class LiveHlsManager {
  readonly #d: LiveHlsManagerDeps;
  readonly #pipelines = new Map<string, Promise<LiveHls>>();

  constructor(d: LiveHlsManagerDeps) {
    this.#d = d;
  }

  /** Live HLS pipelines running on this node. */
  get size(): number {
    return this.#pipelines.size;
  }

  get(lessonId: string): Promise<LiveHls> | undefined {
    return this.#pipelines.get(lessonId);
  }

  /** Who is forwarded into each lesson's pipeline, and which video (mid 1 camera, 2 screen). */
  readonly #targets = new Map<string, { publisherId: string; mid: string }>();

  #forward(roomId: string, publisherId: string, hls: LiveHls, mid: string): Promise<void> {
    return this.#d.sfu.forward(
      roomId,
      publisherId,
      {
        host: hls.host,
        audioPort: hls.audioPort,
        videoPort: hls.videoPort,
        audioPt: AUDIO_PT,
        videoPt: VIDEO_PT,
      },
      mid,
    );
  }

  /** Points the SFU's forwarder at the pipeline's current ffmpeg run once that listens. */
  async #follow(l: LiveLesson, hls: LiveHls): Promise<void> {
    await hls.listening();
    const t = this.#targets.get(l.id);
    if (t) await this.#forward(l.roomId, t.publisherId, hls, t.mid);
  }

  /** The teacher's media is up: make sure the pipeline runs and point the SFU's forwarder at it. */
  async onPublished(l: LiveLesson, publisherId: string): Promise<void> {
    let p = this.#pipelines.get(l.id);
    if (!p) {
      const hls = new LiveHls({
        lessonId: l.id,
        storage: this.#d.storage,
        workDir: path.join(this.#d.dataDir, 'live', l.id),
        logger: this.#d.logger,
        ffmpeg: this.#d.ffmpeg,
        commandPrefix: this.#d.commandPrefix,
        state: this.#d.state(l.id),
        onSegmentStored: this.#d.observe?.segmentStored,
      });
      p = hls.start().then(() => {
        // Every later ffmpeg run (a crash, a new input) listens on its own ports: the forwarder follows
        // it there, and the new receiver gets a keyframe at once. (The first run is forwarded below.)
        hls.supervisor?.on('crashed', () => this.#d.observe?.ffmpegRestarted());
        hls.supervisor?.on('started', () => {
          void this.#follow(l, hls).catch((err: Error) =>
            this.#d.logger.warn({ err, lessonId: l.id }, 'live HLS: re-forwarding failed'),
          );
        });
        return hls;
      });
      this.#pipelines.set(l.id, p);
      p.catch(() => this.#pipelines.delete(l.id));
    }
    const running = this.#targets.has(l.id);
    const hls = await p;
    this.#targets.set(l.id, { publisherId, mid: '1' });
    // Published again (a dropped line, an SFU restart): new RTP streams, so a fresh ffmpeg run and a
    // clean discontinuity rather than a decoder stuck on the old sequence (the run's start forwards).
    if (running) await hls.restartEncoder();
    else await this.#follow(l, hls);
    this.#d.logger.info(
      { lessonId: l.id, audioPort: hls.audioPort, videoPort: hls.videoPort },
      'live HLS: forwarding the teacher',
    );
  }

  /** The teacher started or stopped sharing the screen: live HLS shows the screen while it is shared. */
  async setVideoSource(l: LiveLesson, publisherId: string, source: 'camera' | 'screen'): Promise<void> {
    const p = this.#pipelines.get(l.id);
    if (!p) return;
    const hls = await p;
    const mid = source === 'screen' ? '2' : '1';
    this.#targets.set(l.id, { publisherId, mid });
    // New picture size and timeline: a fresh ffmpeg run (a clean discontinuity), forwarded when it starts.
    await hls.restartEncoder();
  }

  /**
   * Ends the lesson's pipeline (when this node runs it) and finishes its playlists from the shared
   * state; the recording becomes a replay lesson. Without a pipeline here (its node was lost) the
   * playlists are finished from what was published.
   */
  async end(l: LiveLesson): Promise<string | undefined> {
    const p = this.#pipelines.get(l.id);
    this.#pipelines.delete(l.id);
    this.#targets.delete(l.id);
    const hls = await p?.catch(ignore('a pipeline that failed to start', this.#d.logger));
    if (hls) return createReplay(this.#d.lessons, l, await hls.end());
    return finishLiveReplay(this.#d, l);
  }

  async closeAll(): Promise<void> {
    const all = [...this.#pipelines.values()];
    this.#pipelines.clear();
    for (const p of all)
      await p.then((h) => h.end()).catch(ignore('ending a pipeline that failed to start', this.#d.logger));
  }
}

/** The live recording as a replay lesson (already approved: it went out live); none when nothing was recorded. */
async function createReplay(
  lessons: LessonStore,
  l: LiveLesson,
  { masterKey, durationSec }: { masterKey: string; durationSec: number },
): Promise<string | undefined> {
  if (durationSec <= 0) return undefined;
  const now = new Date().toISOString();
  const id = LessonStore.newId();
  await lessons.create({
    id,
    title: l.title,
    grade: l.grade,
    subject: l.subject,
    teacherId: l.teacherId,
    teacherName: l.teacherName,
    status: 'ready',
    review: 'approved',
    reviewedBy: 'live broadcast',
    durationSec,
    source: { key: '', filename: 'live', size: 0 },
    masterKey,
    hlsPrefix: livePrefix(l.id),
    liveLessonId: l.id,
    renditions: LIVE_RENDITIONS.map((r) => ({
      name: r.name,
      codecs: r.codecs,
      bandwidth: r.bandwidth,
      averageBandwidth: r.bandwidth,
      ...(r.height ? { height: r.height } : {}),
    })),
    createdAt: now,
    updatedAt: now,
    readyAt: now,
  });
  return id;
}

/** /end when no node runs the lesson's pipeline (its node was lost): ENDLIST from the shared state, then the replay. */
export async function finishLiveReplay(
  d: Pick<LiveHlsManagerDeps, 'storage' | 'lessons' | 'state'>,
  l: LiveLesson,
): Promise<string | undefined> {
  const done = await LiveHls.finish({ lessonId: l.id, storage: d.storage, state: d.state(l.id) });
  return createReplay(d.lessons, l, done);
}
