/**
 * From an uploaded original to a published adaptive HLS lesson:
 * probe → one-pass ladder → measure → master playlist + poster → storage.
 * The master playlist is written last: once it exists, everything it names does.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ProcessLogger } from '../../core/process/ProcessLogger.ts';
import { mapLimit } from '../../core/mapLimit.ts';
import { onePassLadderArgs, posterArgs } from '../../core/ffmpeg/args.ts';
import { runFfmpegJob } from '../../core/ffmpeg/FfmpegJob.ts';
import { chooseLadder, type Rung } from '../../core/ffmpeg/ladder.ts';
import { MediaError } from '../../core/ffmpeg/MediaError.ts';
import { probeUpload, type ProbeResult } from '../../core/ffmpeg/probe.ts';
import { runTool } from '../../core/ffmpeg/runTool.ts';
import { aacCodecString, avcCodecString } from '../../core/hls/codecs.ts';
import {
  buildMasterPlaylist,
  type AudioRendition,
  type VideoVariant,
} from '../../core/hls/masterPlaylist.ts';
import { measureBitrates, parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';
import type { Storage } from '../../core/storage/Storage.ts';

import type { RenditionInfo, TranscodeProgress } from '../../contracts/lessons.ts';

export type { RenditionInfo, TranscodeProgress };

export interface TranscodeResult {
  probe: ProbeResult;
  durationSec: number;
  masterKey: string;
  posterKey: string;
  renditions: RenditionInfo[];
}

export interface TranscodeOptions {
  lessonId: string;
  source: string;
  storage: Storage;
  workDir: string;
  logger: ProcessLogger;
  maxDurationSec: number;
  preset?: string;
  ffmpeg?: string;
  ffprobe?: string;
  signal?: AbortSignal;
  onProgress?: (p: TranscodeProgress) => void;
}

export const vodPrefix = (lessonId: string) => `vod/${lessonId}`;

const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';

export async function transcodeLesson(o: TranscodeOptions): Promise<TranscodeResult> {
  const log = o.logger.child({ lessonId: o.lessonId });
  const report = (p: TranscodeProgress) => o.onProgress?.(p);
  report({ stage: 'probing', percent: 0 });
  const probe = await probeUpload(o.source, {
    maxDurationSec: o.maxDurationSec,
    ffmpeg: o.ffmpeg,
    ffprobe: o.ffprobe,
    signal: o.signal,
  });
  const rungs = chooseLadder(probe.video);
  const withAudio = !!probe.audio;
  log.info({ probe, rungs: rungs.map((r) => r.name) }, 'transcoding lesson');

  const out = path.join(o.workDir, 'hls');
  await fsp.rm(out, { recursive: true, force: true });
  for (const name of [...rungs.map((r) => r.name), ...(withAudio ? ['audio'] : [])])
    await fsp.mkdir(path.join(out, name), { recursive: true });

  const started = Date.now();
  report({ stage: 'transcoding', percent: 2 });
  await runFfmpegJob({
    bin: o.ffmpeg,
    args: onePassLadderArgs(o.source, {
      outDir: out,
      rungs,
      withAudio,
      preset: o.preset,
      progress: true,
      inputFormat: probe.demuxer,
    }),
    logger: log,
    signal: o.signal,
    onProgress: (p) => {
      const fraction = Math.min(1, p.outTimeSec / probe.durationSec);
      const elapsed = (Date.now() - started) / 1000;
      const etaSec = fraction > 0.01 ? Math.round((elapsed / fraction) * (1 - fraction)) : undefined;
      report({
        stage: 'transcoding',
        percent: Math.round(2 + fraction * 88),
        ...(etaSec !== undefined ? { etaSec } : {}),
      });
    },
  });

  report({ stage: 'publishing', percent: 90 });
  const poster = path.join(out, 'poster.jpg');
  const posterAt = Math.min(probe.durationSec * 0.1, 30);
  const pr = await runTool(
    o.ffmpeg ?? 'ffmpeg',
    posterArgs(o.source, posterAt, poster, 1280, probe.demuxer),
    {
      timeoutMs: 60_000,
      signal: o.signal,
    },
  );
  if (pr.code !== 0 || !fs.existsSync(poster))
    throw new MediaError('TRANSCODE_FAILED', `poster: ${pr.stderr.slice(-200)}`);

  const { videos, audio } = await describeRenditions(out, rungs, withAudio);
  const master = buildMasterPlaylist(videos, audio);
  const prefix = vodPrefix(o.lessonId);

  const files: string[] = [];
  for (const dir of [...rungs.map((r) => r.name), ...(withAudio ? ['audio'] : [])]) {
    for (const f of await fsp.readdir(path.join(out, dir))) files.push(`${dir}/${f}`);
  }
  let uploaded = 0;
  await mapLimit(files, 4, async (rel) => {
    if (o.signal?.aborted) throw new MediaError('TRANSCODE_CANCELLED');
    await o.storage.put(`${prefix}/${rel}`, fs.createReadStream(path.join(out, rel)), {
      cacheControl: rel.endsWith('.m3u8') ? 'public, max-age=300' : CACHE_IMMUTABLE,
    });
    uploaded += 1;
    report({ stage: 'publishing', percent: 90 + Math.floor((uploaded / files.length) * 9) });
  });
  await o.storage.put(`${prefix}/poster.jpg`, fs.createReadStream(poster), { cacheControl: CACHE_IMMUTABLE });
  await o.storage.put(`${prefix}/master.m3u8`, master, { cacheControl: 'public, max-age=300' });
  await fsp.rm(out, { recursive: true, force: true });
  report({ stage: 'done', percent: 100 });

  return {
    probe,
    durationSec: probe.durationSec,
    masterKey: `${prefix}/master.m3u8`,
    posterKey: `${prefix}/poster.jpg`,
    renditions: [
      ...videos.map((v) => ({
        name: v.name,
        width: v.width,
        height: v.height,
        fps: v.fps,
        codecs: v.codecs,
        bandwidth: v.peak,
        averageBandwidth: v.average,
      })),
      ...(audio
        ? [{ name: 'audio', codecs: audio.codecs, bandwidth: audio.peak, averageBandwidth: audio.average }]
        : []),
    ],
  };
}

export async function describeRenditions(
  out: string,
  rungs: Rung[],
  withAudio: boolean,
): Promise<{ videos: VideoVariant[]; audio?: AudioRendition }> {
  const measure = async (dir: string) => {
    const playlist = parseMediaPlaylist(await fsp.readFile(path.join(out, dir, 'index.m3u8'), 'utf8'));
    if (!playlist.endList || playlist.segments.length === 0)
      throw new MediaError('TRANSCODE_FAILED', `${dir} playlist is incomplete`);
    const init = playlist.mapUri ? await fsp.readFile(path.join(out, dir, playlist.mapUri)) : Buffer.alloc(0);
    const rates = measureBitrates(
      playlist.segments,
      (uri) => fs.statSync(path.join(out, dir, uri)).size,
      init.length,
    );
    return { init, rates };
  };
  const videos: VideoVariant[] = [];
  for (const r of rungs) {
    const { init, rates } = await measure(r.name);
    const codecs = avcCodecString(init);
    if (!codecs) throw new MediaError('TRANSCODE_FAILED', `${r.name}: no avcC box in init segment`);
    videos.push({
      name: r.name,
      uri: `${r.name}/index.m3u8`,
      width: r.width,
      height: r.height,
      fps: r.fps,
      codecs,
      peak: rates.peak,
      average: rates.average,
    });
  }
  if (!withAudio) return { videos };
  const { init, rates } = await measure('audio');
  return {
    videos,
    audio: {
      uri: 'audio/index.m3u8',
      name: '课堂音频',
      language: 'zh',
      channels: 2,
      codecs: aacCodecString(init) ?? 'mp4a.40.2',
      peak: rates.peak,
      average: rates.average,
    },
  };
}
