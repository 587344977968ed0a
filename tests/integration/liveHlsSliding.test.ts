/**
 * The live pipeline with ffmpeg's working playlist kept short (a sliding
 * list, as in production, where it bounds the encoder's memory): real RTP
 * from a sending ffmpeg into LiveHls, and every segment ffmpeg cut reaches
 * the published EVENT playlist, in order, none missed, none twice.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';
import { livePrefix } from '../../media/live/LiveHls.ts';
import { liveHlsOnDisk, spawnRtpTeacher } from '../helpers/rtpTeacher.ts';
import { waitFor } from '../helpers/waitFor.ts';

describe('live HLS with a sliding ffmpeg list', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-sliding-'));
  let sender: ChildProcess | undefined;
  afterAll(async () => {
    sender?.kill('SIGKILL');
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('publishes every segment although ffmpeg lists only the last two', async () => {
    const { live, storage, state, renditions } = liveHlsOnDisk(dir, 'live_00000000000000ss', {
      ffmpegListSize: 2,
    });
    await live.start();
    // A teacher's stream as the SFU forwards it: H.264 (2 s GOP at 25 fps → ~2 s segments) and Opus over RTP.
    sender = spawnRtpTeacher(live);
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
