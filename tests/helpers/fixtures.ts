/** Small media fixtures generated with ffmpeg (lavfi testsrc2 + sine), cached per test run. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.resolve('.tmp/fixtures');

function make(name: string, args: string[]): string {
  fs.mkdirSync(DIR, { recursive: true });
  const out = path.join(DIR, name);
  if (fs.existsSync(out) && fs.statSync(out).size > 0) return out;
  const tmp = `${out}.part${process.pid}${path.extname(out)}`;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, tmp], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ffmpeg fixture ${name} failed: ${r.stderr}`);
  fs.renameSync(tmp, out);
  return out;
}

/** A lesson-like clip: moving test pattern with a tone, H.264/AAC MP4 (faststart). */
export function clip(opts: {
  seconds: number;
  width?: number;
  height?: number;
  fps?: number;
  name?: string;
  /** x264 quality (CRF); default: the preset's own rate control. */
  crf?: number;
  audioKbps?: number;
  /** Keyframe interval in frames; null leaves x264's default. Default: every 2 s. */
  gop?: number | null;
}): string {
  const { seconds, width = 640, height = 360, fps = 25, audioKbps = 64 } = opts;
  const gop = opts.gop === undefined ? fps * 2 : opts.gop;
  return make(opts.name ?? `clip_${width}x${height}_${seconds}s_${fps}.mp4`, [
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    ...(opts.crf !== undefined ? ['-crf', String(opts.crf)] : []),
    '-pix_fmt',
    'yuv420p',
    ...(gop !== null ? ['-g', String(gop)] : []),
    '-c:a',
    'aac',
    '-b:a',
    `${audioKbps}k`,
    '-shortest',
    '-movflags',
    '+faststart',
  ]);
}

export function audioOnly(): string {
  return make('audio_only.m4a', [
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=330:sample_rate=44100',
    '-t',
    '5',
    '-c:a',
    'aac',
  ]);
}

export function notMedia(): string {
  fs.mkdirSync(DIR, { recursive: true });
  const p = path.join(DIR, 'lesson-notes.mp4');
  fs.writeFileSync(p, '第一课 教案\n这不是视频文件。\n'.repeat(200));
  return p;
}

/** A faststart MP4 cut at 60%: the header is intact, the end of the media is missing. */
export function truncated(): string {
  const src = clip({ seconds: 8 });
  const p = path.join(DIR, 'truncated.mp4');
  const buf = fs.readFileSync(src);
  fs.writeFileSync(p, buf.subarray(0, Math.floor(buf.length * 0.6)));
  return p;
}

/** The first bytes of a faststart MP4 up to just past its index (moov): a clean header, no pictures. */
export function cutAfterHeader(): string {
  const src = clip({ seconds: 8 });
  const p = path.join(DIR, 'cut-after-header.mp4');
  const buf = fs.readFileSync(src);
  const mdat = buf.indexOf('mdat');
  if (mdat < 0) throw new Error('fixture clip has no mdat box');
  fs.writeFileSync(p, buf.subarray(0, mdat + 2000));
  return p;
}

/** A PNG picture saved under a video name. */
export function stillImageNamedMp4(): string {
  const png = make('still.png', ['-f', 'lavfi', '-i', 'color=c=red:s=320x240', '-frames:v', '1']);
  const p = path.join(DIR, 'photo.mp4');
  fs.copyFileSync(png, p);
  return p;
}

/** An HLS playlist that names another file on the server by absolute path (an attempt to read it). */
export function playlistPointingAt(target: string): string {
  fs.mkdirSync(DIR, { recursive: true });
  const p = path.join(DIR, 'sneaky.m3u8');
  fs.writeFileSync(p, `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n${target}\n#EXT-X-ENDLIST\n`);
  return p;
}

/**
 * What a broadcast lesson mostly looks like: a still slide (colour bars) with the teacher's camera as a
 * small moving picture in the corner, and a tone. Encodes far smaller than the full-frame test pattern.
 */
export function slideLesson(seconds: number, name = `slide_lesson_${seconds}s.mp4`): string {
  return make(name, [
    '-f',
    'lavfi',
    '-i',
    'smptehdbars=size=1280x720:rate=25',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-filter_complex',
    '[0:v][1:v]overlay=x=940:y=520[v]',
    '-map',
    '[v]',
    '-map',
    '2:a',
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    '50',
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-movflags',
    '+faststart',
  ]);
}
