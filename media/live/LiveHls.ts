/**
 * One live lesson's HLS: the SFU forwards the teacher's RTP to two local
 * UDP ports (fresh ones for each ffmpeg run); a supervised ffmpeg (restarted
 * within a second after a crash) turns it into the live ladder (fMP4);
 * Skyclass reads each finished segment from ffmpeg's playlists, stores it
 * through the storage interface and rewrites the published playlists. When the lesson ends the playlists get EXT-X-ENDLIST and
 * are the replay.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ManagedProcess } from '../../core/process/ManagedProcess.ts';
import type { ProcessLogger } from '../../core/process/ProcessLogger.ts';
import { Supervisor } from '../../core/process/Supervisor.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import { LIVE_RENDITIONS, liveLadderArgs, liveSdp, type LiveRendition } from './liveArgs.ts';
import {
  buildLiveMaster,
  buildLivePlaylist,
  type LivePlaylistState,
  type LiveSegment,
  type LiveSegmentRecord,
} from './livePlaylist.ts';
import { parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';
import { rtpPortPairs, udpPortsBound } from './rtpPorts.ts';

export interface LiveHlsOptions {
  lessonId: string;
  storage: Storage;
  workDir: string;
  logger: ProcessLogger;
  ffmpeg?: string;
  /** Runs ffmpeg through this prefix (tests: inside the SFU's network namespace). */
  commandPrefix?: string[];
  renditions?: LiveRendition[];
  /**
   * The published segment lists, shared by every node (Redis): a pipeline continues what an earlier
   * owner (a node that was lost) published, and stops when a newer owner takes the lesson over.
   */
  state: LivePlaylistState;
  /** Observes each segment's move into storage (seconds), e.g. a Prometheus histogram. */
  onSegmentStored?: (seconds: number) => void;
  /** Segments in ffmpeg's own sliding playlist (default LIVE_FFMPEG_LIST_SIZE; tests use a short one). */
  ffmpegListSize?: number;
}

/** ffmpeg run numbers are unique per owner (fencing token × 1000 + restarts): no segment key is ever written twice. */
const RUNS_PER_OWNER = 1000;
const toSegment = (r: LiveSegmentRecord): LiveSegment => ({
  uri: r.uri,
  duration: r.duration,
  programDateTime: new Date(r.pdt),
  discontinuity: r.disc,
  mapUri: r.map,
});

export const livePrefix = (lessonId: string) => `live/${lessonId}`;

interface RenditionState {
  r: LiveRendition;
  segments: LiveSegment[];
  /** The oldest ffmpeg run whose playlist may still grow, and the media sequence number of its next segment to store. */
  run: number;
  next: number;
  lastRun?: number;
  /** The run whose init segment is in storage. */
  initRun?: number;
}

export class LiveHls {
  readonly o: LiveHlsOptions;
  readonly host = '127.0.0.1';
  audioPort = 0;
  videoPort = 0;
  #run = -1;
  #supervisor?: Supervisor;
  #timer?: NodeJS.Timeout;
  #states: RenditionState[];
  #polling: Promise<void> = Promise.resolve();
  #ended = false;
  #fence = 0;
  #fencedOut = false;

  constructor(o: LiveHlsOptions) {
    this.o = o;
    this.#states = (o.renditions ?? LIVE_RENDITIONS).map((r) => ({ r, segments: [], run: 0, next: 0 }));
  }

  /** This pipeline's fencing token (a newer owner of the lesson has a larger one). */
  get fence(): number {
    return this.#fence;
  }

  /** Writes every rendition's playlist with EXT-X-ENDLIST from the shared state (no pipeline needed: the owner may be gone). */
  static async finish(
    o: Pick<LiveHlsOptions, 'lessonId' | 'storage' | 'state' | 'renditions'>,
  ): Promise<{ masterKey: string; durationSec: number }> {
    const renditions = o.renditions ?? LIVE_RENDITIONS;
    let durationSec = 0;
    for (const [i, r] of renditions.entries()) {
      const segments = (await o.state.load(r.name)).map(toSegment);
      if (i === 0) durationSec = segments.reduce((n, s) => n + s.duration, 0);
      await o.storage.put(
        `${livePrefix(o.lessonId)}/${r.name}/index.m3u8`,
        buildLivePlaylist(segments, true),
        {
          cacheControl: 'public, max-age=300',
        },
      );
    }
    // The master too (a lesson that ended before every rendition had a segment never published one).
    await o.storage.put(`${livePrefix(o.lessonId)}/master.m3u8`, buildLiveMaster(renditions), {
      cacheControl: 'public, max-age=60',
    });
    return {
      masterKey: `${livePrefix(o.lessonId)}/master.m3u8`,
      durationSec: Math.round(durationSec * 10) / 10,
    };
  }

  get supervisor(): Supervisor | undefined {
    return this.#supervisor;
  }

  get masterKey(): string {
    return `${livePrefix(this.o.lessonId)}/master.m3u8`;
  }

  /** Seconds of the lesson recorded so far (the top rendition). */
  get durationSec(): number {
    return this.#states[0]!.segments.reduce((n, s) => n + s.duration, 0);
  }

  async start(): Promise<void> {
    const { workDir, logger } = this.o;
    // Take the lesson over (a newer fencing token) and continue its published segments.
    this.#fence = await this.o.state.acquire();
    this.#run = this.#fence * RUNS_PER_OWNER - 1;
    for (const st of this.#states) {
      const published = await this.o.state.load(st.r.name);
      st.segments = published.map(toSegment);
      st.run = this.#fence * RUNS_PER_OWNER;
      st.lastRun = published.at(-1)?.run;
    }
    await fsp.mkdir(workDir, { recursive: true });
    for (const s of this.#states) await fsp.mkdir(path.join(workDir, s.r.name), { recursive: true });
    const sdp = path.join(workDir, 'live.sdp');
    // The master playlist is what players (and the playback endpoint) look for: it is published once
    // every rendition has a playlist to point at (at once when taking over a lesson with segments).
    await this.#publishMasterWhenReady();
    const log = logger.child({ component: 'live-ffmpeg', lessonId: this.o.lessonId });
    this.#supervisor = new Supervisor({
      name: 'live-ffmpeg',
      logger: log,
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      create: async () => {
        this.#run += 1;
        // Fresh ports for every run (the SFU's forwarder follows, see LiveHlsManager): a port another
        // program took meanwhile makes ffmpeg exit with "bind failed", which costs one restart, not the lesson.
        [this.audioPort, this.videoPort] = (await rtpPortPairs(2)) as [number, number];
        await fsp.writeFile(sdp, liveSdp(this.host, this.audioPort, this.videoPort));
        const [cmd, ...pre] = [...(this.o.commandPrefix ?? []), this.o.ffmpeg ?? 'ffmpeg'];
        return new ManagedProcess({
          name: 'live-ffmpeg',
          command: cmd!,
          args: [
            ...pre,
            ...liveLadderArgs(
              sdp,
              workDir,
              this.#run,
              this.#states.map((s) => s.r),
              25,
              this.o.ffmpegListSize,
            ),
          ],
          logger: log,
          readyProbe: async () => true,
          startTimeoutMs: 5000,
          stopInput: 'q',
          stopTimeoutMs: 4000,
        });
      },
    });
    await this.#supervisor.start();
    this.#timer = setInterval(() => {
      this.#polling = this.#polling
        .then(() => this.#poll())
        .catch((err: Error) => log.warn({ err }, 'live segment publishing failed'));
    }, 250);
  }

  /** Reads every run's ffmpeg playlist; stores new segments (and each run's init segment); rewrites changed playlists. */
  async #poll(): Promise<void> {
    for (const st of this.#states) {
      let changed = false;
      // A run before the current one has exited (a new run starts only then): its playlist is read to the end once, then never again.
      for (let run = st.run; run <= this.#run; run++) {
        let pl: ReturnType<typeof parseMediaPlaylist>;
        try {
          pl = parseMediaPlaylist(
            await fsp.readFile(path.join(this.o.workDir, st.r.name, `r${run}.m3u8`), 'utf8'),
          );
        } catch {
          continue; // not written yet
        }
        // ffmpeg's list slides: segments are numbered from EXT-X-MEDIA-SEQUENCE; take those not yet stored.
        const next = run === st.run ? st.next : 0;
        if (pl.mediaSequence > next) {
          this.o.logger.warn(
            { lessonId: this.o.lessonId, rendition: st.r.name, missed: pl.mediaSequence - next },
            "live HLS: segments left ffmpeg's list before they were stored",
          );
        }
        const fresh = pl.segments.slice(Math.max(0, next - pl.mediaSequence));
        if (fresh.length && pl.mapUri && st.initRun !== run) {
          await this.#store(st, pl.mapUri, false);
          st.initRun = run;
        }
        for (const seg of fresh) {
          await this.#store(st, seg.uri, true);
          const rec: LiveSegmentRecord = {
            uri: seg.uri,
            duration: seg.duration,
            pdt: Date.now() - seg.duration * 1000,
            disc: st.lastRun !== undefined && st.lastRun !== run,
            map: pl.mapUri,
            run,
          };
          if (!(await this.o.state.append(st.r.name, rec, this.#fence))) {
            // A newer owner took the lesson over (this node was thought lost): stop, publish nothing more.
            this.#fencedOut = true;
            this.o.logger.warn({ lessonId: this.o.lessonId }, 'live HLS: another node owns this lesson now');
            void this.#supervisor?.stop();
            clearInterval(this.#timer);
            return;
          }
          st.segments.push(toSegment(rec));
          st.lastRun = run;
          changed = true;
        }
        st.run = run;
        st.next = Math.max(next, pl.mediaSequence + pl.segments.length);
      }
      if ((changed || this.#ended) && !this.#fencedOut) await this.#writePlaylist(st);
    }
    if (!this.#fencedOut) await this.#publishMasterWhenReady();
  }

  #masterPublished = false;
  async #publishMasterWhenReady(): Promise<void> {
    if (this.#masterPublished || !this.#states.every((s) => s.segments.length > 0)) return;
    await this.o.storage.put(this.masterKey, buildLiveMaster(this.#states.map((s) => s.r)), {
      cacheControl: 'public, max-age=60',
    });
    this.#masterPublished = true;
  }

  /** Moves one finished file of a rendition into storage. */
  async #store(st: RenditionState, name: string, remove: boolean): Promise<void> {
    const started = process.hrtime.bigint();
    const local = path.join(this.o.workDir, st.r.name, name);
    await this.o.storage.put(
      `${livePrefix(this.o.lessonId)}/${st.r.name}/${name}`,
      fs.createReadStream(local),
      {
        cacheControl: 'public, max-age=31536000, immutable',
      },
    );
    if (remove) {
      await fsp.rm(local, { force: true });
      this.o.onSegmentStored?.(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async #writePlaylist(st: RenditionState): Promise<void> {
    await this.o.storage.put(
      `${livePrefix(this.o.lessonId)}/${st.r.name}/index.m3u8`,
      buildLivePlaylist(st.segments, this.#ended),
      {
        cacheControl: this.#ended ? 'public, max-age=300' : 'no-cache',
      },
    );
  }

  /**
   * Resolves once the current ffmpeg run has bound its RTP ports, so what is forwarded to them from
   * then on (the first keyframe above all) is not lost; false when that takes over `timeoutMs`.
   */
  async listening(timeoutMs = 5000): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const pid = this.#supervisor?.current?.pid;
      if (pid && (await udpPortsBound(pid, [this.audioPort, this.videoPort]))) return true;
      if (Date.now() >= until || this.#ended || this.#fencedOut) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A new input (e.g. the screen instead of the camera): a fresh ffmpeg run, marked as a discontinuity. */
  async restartEncoder(): Promise<void> {
    await this.#supervisor?.restart();
  }

  /** Ends the lesson: ffmpeg finishes its last segments, the playlists get EXT-X-ENDLIST. */
  async end(): Promise<{ masterKey: string; durationSec: number }> {
    await this.#supervisor?.stop();
    clearInterval(this.#timer);
    await this.#polling;
    await this.#poll(); // the last segments ffmpeg closed on the way out
    this.#ended = true;
    await fsp.rm(this.o.workDir, { recursive: true, force: true });
    // From the shared state: the segments of every owner this lesson had, with EXT-X-ENDLIST.
    return LiveHls.finish(this.o);
  }
}
