/**
 * ffmpeg and ffprobe argument lists, as pure functions returning string[]
 * (never a shell string), tested against expected lists.
 */
import type { Rung } from './ladder.ts';
import { AUDIO_KBPS } from './ladder.ts';
import { safeInputArgs, type Demuxer } from './sniff.ts';

export const SEGMENT_SECONDS = 4;
/** A keyframe every 2 s in every rung: segments cut at the same instants everywhere. */
export const KEYFRAME_SECONDS = 2;

export interface LadderOutput {
  outDir: string;
  rungs: Rung[];
  withAudio: boolean;
  preset?: string;
  /** Emit `-progress pipe:1` key=value progress for the wrapper to parse. */
  progress?: boolean;
  threads?: number;
  /** The demuxer sniffed from the file's content: forced, with only the file protocol allowed. */
  inputFormat?: Demuxer;
}

export function probeArgs(input: string, inputFormat?: Demuxer): string[] {
  const base = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  return inputFormat ? [...base, ...safeInputArgs(inputFormat), input] : [...base, input];
}

/** Input options for an uploaded file: none (trusted test inputs) or the sniffed demuxer + file protocol only. */
const inputOpts = (inputFormat?: Demuxer) => (inputFormat ? safeInputArgs(inputFormat) : []);

export function hlsOutput(dir: string, name: string): string[] {
  return [
    '-f',
    'hls',
    '-hls_time',
    String(SEGMENT_SECONDS),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments',
    '-hls_fmp4_init_filename',
    'init.mp4',
    '-hls_segment_filename',
    `${dir}/${name}/seg_%05d.m4s`,
    `${dir}/${name}/index.m3u8`,
  ];
}

export function videoEncodeArgs(rung: Rung, preset: string): string[] {
  const gop = Math.round(rung.fps * KEYFRAME_SECONDS);
  return [
    '-c:v',
    'libx264',
    '-preset',
    preset,
    '-profile:v',
    rung.profile,
    '-level:v',
    rung.level,
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${rung.videoKbps}k`,
    '-maxrate',
    `${rung.maxrateKbps}k`,
    '-bufsize',
    `${rung.bufsizeKbps}k`,
    ...keyframeArgs(gop, KEYFRAME_SECONDS),
    '-r',
    String(rung.fps),
  ];
}

/** A keyframe every `everySec` and nowhere else (no scene-cut keyframes): renditions cut at the same instants. */
export function keyframeArgs(gop: number, everySec: number): string[] {
  return [
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-sc_threshold',
    '0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${everySec})`,
  ];
}

/** AAC stereo at 48 kHz (VOD renditions and live HLS alike). */
export function audioEncodeArgs(kbps = AUDIO_KBPS): string[] {
  return ['-c:a', 'aac', '-b:a', `${kbps}k`, '-ac', '2', '-ar', '48000'];
}

function commonInput(input: string, inputFormat?: Demuxer): string[] {
  return ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...inputOpts(inputFormat), '-i', input];
}

/** Scale to the rung's size, sharp enough for slides and board writing. */
function scaleFilter(r: Rung): string {
  return `scale=${r.width}:${r.height}:flags=bicubic,setsar=1`;
}

/**
 * One process, one decode: the decoded frames are split to every rung's
 * scaler and encoder, and the audio is encoded once into its own rendition.
 */
export function onePassLadderArgs(input: string, o: LadderOutput): string[] {
  const n = o.rungs.length;
  const fps = o.rungs[0]!.fps;
  const labels = o.rungs.map((_, i) => `s${i}`);
  const graph = [
    `[0:v:0]fps=${fps},split=${n}${labels.map((l) => `[${l}]`).join('')}`,
    ...o.rungs.map((r, i) => `[s${i}]${scaleFilter(r)}[v${i}]`),
  ].join(';');
  const args = [...commonInput(input, o.inputFormat), '-filter_complex', graph];
  o.rungs.forEach((r, i) => {
    args.push(
      '-map',
      `[v${i}]`,
      ...videoEncodeArgs(r, o.preset ?? 'veryfast'),
      '-an',
      ...hlsOutput(o.outDir, r.name),
    );
  });
  if (o.withAudio) args.push('-map', '0:a:0', '-vn', ...audioEncodeArgs(), ...hlsOutput(o.outDir, 'audio'));
  if (o.threads) args.splice(args.indexOf('-i'), 0, '-threads', String(o.threads));
  if (o.progress) args.push('-progress', 'pipe:1', '-stats_period', '0.5');
  return args;
}

/** The baseline the benchmark compares with: one run per rung, as per-resolution job systems do. */
export function perRungArgs(input: string, o: LadderOutput): string[][] {
  const runs = o.rungs.map((r) => [
    ...commonInput(input),
    '-map',
    '0:v:0',
    '-vf',
    `fps=${r.fps},${scaleFilter(r)}`,
    ...videoEncodeArgs(r, o.preset ?? 'veryfast'),
    '-an',
    ...hlsOutput(o.outDir, r.name),
  ]);
  if (o.withAudio)
    runs.push([
      ...commonInput(input),
      '-map',
      '0:a:0',
      '-vn',
      ...audioEncodeArgs(),
      ...hlsOutput(o.outDir, 'audio'),
    ]);
  return runs;
}

export function posterArgs(
  input: string,
  atSeconds: number,
  output: string,
  width = 1280,
  inputFormat?: Demuxer,
): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-ss',
    atSeconds.toFixed(2),
    ...inputOpts(inputFormat),
    '-i',
    input,
    '-map',
    '0:v:0',
    '-frames:v',
    '1',
    '-vf',
    `scale='min(${width},iw)':-2`,
    '-q:v',
    '3',
    output,
  ];
}

/**
 * Decodes the last seconds of the file: a truncated file fails here even when
 * its header looks fine. `-progress` reports the frames decoded: none means
 * the end of the video is missing (a file cut after its index).
 */
export function tailDecodeArgs(
  input: string,
  duration: number,
  seconds = 3,
  inputFormat?: Demuxer,
): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-xerror',
    '-ss',
    Math.max(0, duration - seconds).toFixed(2),
    ...inputOpts(inputFormat),
    '-i',
    input,
    '-map',
    '0:v:0',
    '-f',
    'null',
    '-progress',
    'pipe:1',
    '-',
  ];
}
