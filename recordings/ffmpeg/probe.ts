/**
 * ffprobe checks every upload before any transcode: it must be a media
 * file, have a real video stream, be complete to its end, and not be
 * longer than the configured limit.
 */
import fs from 'node:fs/promises';
import { probeArgs, tailDecodeArgs } from './args.ts';
import { MediaError } from './MediaError.ts';
import { runTool } from './runTool.ts';

export interface ProbeResult {
  durationSec: number;
  sizeBytes: number;
  formatName: string;
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

const CONTAINER_MAGIC: { offset: number; bytes: Buffer }[] = [
  { offset: 4, bytes: Buffer.from('ftyp') }, // MP4, MOV, 3GP
  { offset: 0, bytes: Buffer.from([0x1a, 0x45, 0xdf, 0xa3]) }, // Matroska, WebM
  { offset: 0, bytes: Buffer.from('RIFF') }, // AVI
  { offset: 0, bytes: Buffer.from('FLV') },
  { offset: 0, bytes: Buffer.from([0x47]) }, // MPEG-TS sync byte
  { offset: 0, bytes: Buffer.from([0x00, 0x00, 0x01, 0xba]) }, // MPEG-PS
  { offset: 0, bytes: Buffer.from([0x30, 0x26, 0xb2, 0x75]) }, // ASF/WMV
];

async function looksLikeVideoContainer(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    await fh.read(buf, 0, 16, 0);
    return CONTAINER_MAGIC.some((m) => buf.subarray(m.offset, m.offset + m.bytes.length).equals(m.bytes));
  } finally {
    await fh.close();
  }
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
  const res = await runTool(o.ffprobe ?? 'ffprobe', probeArgs(file), { timeoutMs: 60_000, signal: o.signal });
  let parsed: { format?: { format_name?: string; duration?: string }; streams?: FfprobeStream[] } = {};
  try {
    parsed = JSON.parse(res.stdout || '{}');
  } catch {
    /* handled below */
  }
  const container = await looksLikeVideoContainer(file);
  if (res.code !== 0 || !parsed.format) {
    const stderr = res.stderr.trim().split('\n').pop() ?? '';
    throw new MediaError(container ? 'MEDIA_CORRUPT' : 'MEDIA_NOT_MEDIA', stderr.slice(0, 200));
  }
  const streams = parsed.streams ?? [];
  const v = streams.find(
    (s) => s.codec_type === 'video' && !s.disposition?.attached_pic && (s.width ?? 0) > 0,
  );
  if (!v) {
    if (streams.length === 0 && !container) throw new MediaError('MEDIA_NOT_MEDIA');
    throw new MediaError('MEDIA_NO_VIDEO');
  }
  const duration = Number(parsed.format.duration);
  if (!Number.isFinite(duration) || duration <= 0) throw new MediaError('MEDIA_CORRUPT', 'no duration');
  if (duration > o.maxDurationSec) {
    throw new MediaError(
      'MEDIA_TOO_LONG',
      `${Math.round(duration / 60)} min, the limit is ${Math.round(o.maxDurationSec / 60)} min`,
    );
  }
  const tail = await runTool(o.ffmpeg ?? 'ffmpeg', tailDecodeArgs(file, duration), {
    timeoutMs: 120_000,
    signal: o.signal,
  });
  if (tail.code !== 0)
    throw new MediaError('MEDIA_CORRUPT', tail.stderr.trim().split('\n').pop()?.slice(0, 200));
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
