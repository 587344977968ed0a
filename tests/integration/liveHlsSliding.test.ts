/**
 * The live pipeline with ffmpeg's working playlist kept short (a sliding
 * list, as in production, where it bounds the encoder's memory): real RTP
 * from a sending ffmpeg into LiveHls, and every segment ffmpeg cut reaches
 * the published EVENT playlist, in order, none missed, none twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../core/storage/LocalStorage.ts';
import { parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';
import { LiveHls, livePrefix } from '../../media/live/LiveHls.ts';
import { AUDIO_PT, LIVE_RENDITIONS, VIDEO_PT } from '../../media/live/liveArgs.ts';
import type { LivePlaylistState, LiveSegmentRecord } from '../../media/live/livePlaylist.ts';
import { testLogger } from '../helpers/logger.ts';
import { waitFor } from '../helpers/waitFor.ts';

/** The shared state in memory (the service keeps it in Redis: RedisLiveHlsState). */
class MemoryState implements LivePlaylistState {
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

describe('live HLS with a sliding ffmpeg list', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-sliding-'));
  let sender: ChildProcess | undefined;
  afterAll(async () => {
    sender?.kill('SIGKILL');
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('publishes every segment although ffmpeg lists only the last two', async () => {
    const storage = new LocalStorage({
      root: path.join(dir, 'store'),
      baseUrl: () => 'http://127.0.0.1/files',
      signingKey: 'k'.repeat(32),
      defaultUrlTtlMs: 60_000,
    });
    const state = new MemoryState();
    const renditions = LIVE_RENDITIONS.filter((r) => r.name === 'source' || r.audioOnly);
    const live = new LiveHls({
      lessonId: 'live_00000000000000ss',
      storage,
      workDir: path.join(dir, 'work'),
      logger: testLogger(),
      renditions,
      state,
      ffmpegListSize: 2,
    });
    await live.start();
    // A teacher's stream as the SFU forwards it: H.264 (2 s GOP at 25 fps → ~2 s segments) and Opus over RTP.
    sender = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x180:rate=25',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440:sample_rate=48000',
        '-map',
        '0:v',
        '-c:v',
        'libx264',
        '-profile:v',
        'baseline',
        '-preset',
        'ultrafast',
        '-g',
        '25',
        '-payload_type',
        String(VIDEO_PT),
        '-f',
        'rtp',
        `rtp://${live.host}:${live.videoPort}`,
        '-map',
        '1:a',
        '-c:a',
        'libopus',
        '-ac',
        '2',
        '-payload_type',
        String(AUDIO_PT),
        '-f',
        'rtp',
        `rtp://${live.host}:${live.audioPort}`,
      ],
      { stdio: 'ignore' },
    );
    // Well past two segments' worth, so ffmpeg's list has slid several times; its own list is watched meanwhile.
    const ffmpegList = { longest: 0, lastSequence: 0 };
    await waitFor(
      async () => {
        const text = await fsp
          .readFile(path.join(dir, 'work', 'source', 'r1000.m3u8'), 'utf8')
          .catch(() => '');
        if (text) {
          const pl = parseMediaPlaylist(text);
          ffmpegList.longest = Math.max(ffmpegList.longest, pl.segments.length);
          ffmpegList.lastSequence = pl.mediaSequence;
        }
        return (state.lists.get('source')?.length ?? 0) >= 7;
      },
      'seven published segments',
      45_000,
      250,
    );
    sender.kill('SIGKILL');
    sender = undefined;
    await live.end();

    for (const r of renditions) {
      const records = state.lists.get(r.name) ?? [];
      const numbers = records.map((s) => Number(/_(\d+)\.m4s$/.exec(s.uri)?.[1]));
      // ffmpeg numbers its segments from 0: every one of them published once, in order.
      expect(numbers, r.name).toEqual(numbers.map((_, i) => i));
      const { body } = await storage.get(`${livePrefix('live_00000000000000ss')}/${r.name}/index.m3u8`);
      let text = '';
      for await (const chunk of body) text += String(chunk);
      const pl = parseMediaPlaylist(text);
      expect(pl.endList).toBe(true);
      expect(pl.segments.map((s) => s.uri)).toEqual(records.map((s) => s.uri));
      for (const s of records) {
        expect(
          fs.existsSync(path.join(storage.root, livePrefix('live_00000000000000ss'), r.name, s.uri)),
          s.uri,
        ).toBe(true);
      }
    }
    // ffmpeg's own list stayed short while it ran (the bound this is about) and did slide.
    expect(ffmpegList.longest).toBeLessThanOrEqual(2);
    expect(ffmpegList.lastSequence).toBeGreaterThan(2);
  }, 90_000);
});
