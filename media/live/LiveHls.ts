/**
 * One live lesson's HLS: the SFU forwards the teacher's RTP to two local
 * UDP ports; a supervised ffmpeg (restarted within a second after a crash)
 * turns it into the live ladder (fMP4); Skyclass reads each finished segment
 * from ffmpeg's playlists, stores it through the storage interface and
 * rewrites the published playlists. When the lesson ends the playlists get EXT-X-ENDLIST and
 * are the replay.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ManagedProcess } from '../../core/process/ManagedProcess.ts';
import type { ProcessLogger } from '../../core/process/ProcessLogger.ts';
import { Supervisor } from '../../core/process/Supervisor.ts';
import type { Storage } from '../../core/storage/Storage.ts';
import { LIVE_RENDITIONS, liveLadderArgs, liveSdp, type LiveRendition } from './liveArgs.ts';
import { buildLiveMaster, buildLivePlaylist, type LiveSegment } from './livePlaylist.ts';
import { parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';

export interface LiveHlsOptions {
  lessonId: string;
  storage: Storage;
  workDir: string;
  logger: ProcessLogger;
  ffmpeg?: string;
  /** Runs ffmpeg through this prefix (tests: inside the SFU's network namespace). */
  commandPrefix?: string[];
  renditions?: LiveRendition[];
}

export const livePrefix = (lessonId: string) => `live/${lessonId}`;

/** Two free local UDP ports (bound and released). */
async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<dgram.Socket>((resolve) => {
          const s = dgram.createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = sockets.map((s) => s.address().port);
  sockets.forEach((s) => s.close());
  return ports;
}

interface RenditionState {
  r: LiveRendition;
  segments: LiveSegment[];
  /** The oldest ffmpeg run whose playlist may still grow, and how many of its segments were already read. */
  run: number;
  lines: number;
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

  constructor(o: LiveHlsOptions) {
    this.o = o;
    this.#states = (o.renditions ?? LIVE_RENDITIONS).map((r) => ({ r, segments: [], run: 0, lines: 0 }));
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
    await fsp.mkdir(workDir, { recursive: true });
    for (const s of this.#states) await fsp.mkdir(path.join(workDir, s.r.name), { recursive: true });
    [this.audioPort, this.videoPort] = (await freeUdpPorts(2)) as [number, number];
    const sdp = path.join(workDir, 'live.sdp');
    await fsp.writeFile(sdp, liveSdp(this.host, this.audioPort, this.videoPort));
    await this.o.storage.put(this.masterKey, buildLiveMaster(this.#states.map((s) => s.r)), {
      cacheControl: 'public, max-age=60',
    });
    const log = logger.child({ component: 'live-ffmpeg', lessonId: this.o.lessonId });
    this.#supervisor = new Supervisor({
      name: 'live-ffmpeg',
      logger: log,
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      create: () => {
        this.#run += 1;
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
        const fresh = pl.segments.slice(run === st.run ? st.lines : 0);
        if (fresh.length && pl.mapUri && st.initRun !== run) {
          await this.#store(st, pl.mapUri, false);
          st.initRun = run;
        }
        for (const seg of fresh) {
          await this.#store(st, seg.uri, true);
          st.segments.push({
            uri: seg.uri,
            duration: seg.duration,
            programDateTime: new Date(Date.now() - seg.duration * 1000),
            discontinuity: st.lastRun !== undefined && st.lastRun !== run,
            mapUri: pl.mapUri,
          });
          st.lastRun = run;
          changed = true;
        }
        st.run = run;
        st.lines = pl.segments.length;
      }
      if (changed || this.#ended) await this.#writePlaylist(st);
    }
  }

  /** Moves one finished file of a rendition into storage. */
  async #store(st: RenditionState, name: string, remove: boolean): Promise<void> {
    const local = path.join(this.o.workDir, st.r.name, name);
    await this.o.storage.put(
      `${livePrefix(this.o.lessonId)}/${st.r.name}/${name}`,
      fs.createReadStream(local),
      {
        cacheControl: 'public, max-age=31536000, immutable',
      },
    );
    if (remove) await fsp.rm(local, { force: true });
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
    for (const st of this.#states) await this.#writePlaylist(st);
    await fsp.rm(this.o.workDir, { recursive: true, force: true });
    return { masterKey: this.masterKey, durationSec: Math.round(this.durationSec * 10) / 10 };
  }
}
