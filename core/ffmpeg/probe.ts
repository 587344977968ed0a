/**
 * Every upload is checked before any transcode: its first bytes must be one of
 * the accepted video containers (sniff.ts; a still image or an audio file is
 * MEDIA_NO_VIDEO, anything else MEDIA_NOT_MEDIA), ffprobe — forced to that
 * demuxer, file protocol only — must find a real video stream and a duration
 * within the limit, and the last seconds must decode to at least one frame
 * (a file cut after its header is MEDIA_CORRUPT). Error details never carry
 * server paths.
 */
import fs from 'node:fs/promises';
import { probeArgs, tailDecodeArgs } from './args.ts';
import { scrubPaths, sniffFile, type Demuxer } from './sniff.ts';
import { MediaError } from './MediaError.ts';
import { runTool } from './runTool.ts';

export interface ProbeResult {
  durationSec: number;
  sizeBytes: number;
  formatName: string;
  /** The demuxer sniffed from the content, forced on every later ffmpeg run. */
  demuxer: Demuxer;
  video: { codec: string; width: number; height: number; fps: number; bitrate?: number };
  audio?: { codec: string; channels: number; sampleRate: number };
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  bit_rate?: string;
  channels?: number;
  sample_rate?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

export function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [n, d] = rate.split('/').map(Number);
  if (!n || !d) return Number(n) || 0;
  return n / d;
}

export interface ProbeOptions {
  ffprobe?: string;
  ffmpeg?: string;
  maxDurationSec: number;
  signal?: AbortSignal;
}

export async function probeUpload(file: string, o: ProbeOptions): Promise<ProbeResult> {
  const st = await fs.stat(file);
  if (st.size === 0) throw new MediaError('MEDIA_EMPTY');
  const sniffed = await sniffFile(file);
  if (sniffed.kind === 'image') throw new MediaError('MEDIA_NO_VIDEO', 'a still image');
  if (sniffed.kind === 'audio') throw new MediaError('MEDIA_NO_VIDEO', 'sound only');
  if (sniffed.kind === 'unknown') throw new MediaError('MEDIA_NOT_MEDIA');
  const demuxer = sniffed.demuxer;
  const res = await runTool(o.ffprobe ?? 'ffprobe', probeArgs(file, demuxer), {
    timeoutMs: 60_000,
    signal: o.signal,
  });
  let parsed: { format?: { format_name?: string; duration?: string }; streams?: FfprobeStream[] } = {};
  try {
    parsed = JSON.parse(res.stdout || '{}');
  } catch {
    /* handled below */
  }
  if (res.code !== 0 || !parsed.format) {
    const stderr = res.stderr.trim().split('\n').pop() ?? '';
    throw new MediaError('MEDIA_CORRUPT', scrubPaths(stderr, file).slice(0, 200));
  }
  const streams = parsed.streams ?? [];
  const v = streams.find(
    (s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0,
  );
  if (!v) throw new MediaError('MEDIA_NO_VIDEO', streams.length ? 'sound only' : undefined);
  const duration = Number(parsed.format.duration);
  if (!Number.isFinite(duration) || duration <= 0) {
    // A container holding one picture (a cover or a photo saved as a video) has no duration.
    if (['mjpeg', 'png', 'bmp', 'gif', 'webp'].includes(v.codec_name ?? ''))
      throw new MediaError('MEDIA_NO_VIDEO', 'a still image');
    throw new MediaError('MEDIA_CORRUPT', 'the video has no length');
  }
  if (duration > o.maxDurationSec) {
    throw new MediaError(
      'MEDIA_TOO_LONG',
      `${Math.round(duration / 60)} min, the limit is ${Math.round(o.maxDurationSec / 60)} min`,
    );
  }
  const tail = await runTool(o.ffmpeg ?? 'ffmpeg', tailDecodeArgs(file, duration, 3, demuxer), {
    timeoutMs: 120_000,
    signal: o.signal,
  });
  if (tail.code !== 0)
    throw new MediaError(
      'MEDIA_CORRUPT',
      scrubPaths(tail.stderr.trim().split('\n').pop() ?? '', file).slice(0, 200),
    );
  const frames = [...tail.stdout.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1]));
  if (!frames.length || frames.at(-1) === 0)
    throw new MediaError(
      'MEDIA_CORRUPT',
      'the end of the video is missing; the upload or export was cut short',
    );
  // Phones record portrait video as landscape + a rotation: the displayed size is what the ladder must use.
  const rotation =
    Math.abs(
      Number(v.tags?.rotate ?? v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0),
    ) % 180;
  const [width, height] = rotation === 90 ? [v.height!, v.width!] : [v.width!, v.height!];
  const a = streams.find((s) => s.codec_type === 'audio');
  return {
    durationSec: duration,
    sizeBytes: st.size,
    formatName: parsed.format.format_name ?? 'unknown',
    demuxer,
    video: {
      codec: v.codec_name ?? 'unknown',
      width,
      height,
      fps: parseRate(v.avg_frame_rate) || parseRate(v.r_frame_rate) || 25,
      ...(v.bit_rate ? { bitrate: Number(v.bit_rate) } : {}),
    },
    ...(a
      ? {
          audio: {
            codec: a.codec_name ?? 'unknown',
            channels: a.channels ?? 2,
            sampleRate: Number(a.sample_rate ?? 48000),
          },
        }
      : {}),
  };
}
