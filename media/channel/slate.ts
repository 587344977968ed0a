/**
 * The slate (filler between lessons): one short loop per design ("下一节：
 * 三年级 数学 10:00"), generated once by ffmpeg in every rung of the channel
 * ladder plus audio (silence), as fMP4 HLS exactly like a recorded lesson,
 * so the stitcher can loop it between lessons without re-encoding anything.
 * The loop is SLATE_SECONDS long, cut into SLATE_SEGMENT_SECONDS segments.
 */
import { createHash } from 'node:crypto';
import { audioEncodeArgs, hlsOutput, videoEncodeArgs } from '../../core/ffmpeg/args.ts';
import { chooseLadder, type Rung } from '../../core/ffmpeg/ladder.ts';

export const SLATE_SECONDS = 8;
export const SLATE_SEGMENT_SECONDS = 4;
export const SLATE_FPS = 25;

/** The channel ladder: what a 1080p25 lesson gets (1080/720/480/360/144), so channel variants match the VOD ladder. */
export const CHANNEL_RUNGS: Rung[] = chooseLadder({ width: 1920, height: 1080, fps: SLATE_FPS });
export const CHANNEL_AUDIO = 'audio';

export interface SlateDesign {
  /** Big line, e.g. "下一节：三年级 数学 10:00". */
  title: string;
  /** Smaller line, e.g. "Next: grade 3 maths at 10:00". */
  subtitle: string;
  /** Small footer, e.g. "三年级 空中课堂". */
  footer: string;
}

/** A design's storage name: the same text always gives the same slate, on every instance. */
const ids = new WeakMap<SlateDesign, string>();
export function slateId(d: SlateDesign): string {
  let id = ids.get(d);
  if (!id) {
    id = createHash('sha256')
      .update(JSON.stringify([d.title, d.subtitle, d.footer, SLATE_SECONDS]))
      .digest('hex')
      .slice(0, 16);
    ids.set(d, id);
  }
  return id;
}

export interface SlateArgsOptions {
  outDir: string;
  /** Text files (drawtext textfile=, so no escaping issues). */
  titleFile: string;
  subtitleFile: string;
  footerFile: string;
  /** A font with Chinese glyphs. */
  fontFile: string;
  rungs?: Rung[];
  preset?: string;
}

/** drawtext arguments need ':' '\'' and '\\' escaped. */
export const filterPath = (p: string) => p.replace(/\\/g, '\\\\').replace(/:/g, '\\:').replace(/'/g, "\\'");

/** One ffmpeg: a drawn 1080p loop (text + a bar that sweeps across once per loop), split to every rung, and silent AAC. */
export function slateArgs(o: SlateArgsOptions): string[] {
  const rungs = o.rungs ?? CHANNEL_RUNGS;
  const font = filterPath(o.fontFile);
  const text = (file: string, size: number, y: string, color: string) =>
    `drawtext=fontfile='${font}':textfile='${filterPath(file)}':fontsize=${size}:fontcolor=${color}:x=(w-text_w)/2:y=${y}`;
  const base = [
    `color=c=0x12355b:s=1920x1080:r=${SLATE_FPS}:d=${SLATE_SECONDS}`,
    'format=yuv420p',
    `drawbox=x=0:y=0:w=iw:h=12:color=0xf4a261:t=fill`,
    text(o.titleFile, 96, '(h/2)-150', 'white'),
    text(o.subtitleFile, 56, '(h/2)+10', '0xdce6f2'),
    text(o.footerFile, 44, 'h-140', '0xa8c0dd'),
    // A dot running along a track once per loop: the picture visibly moves, so viewers see the channel is alive.
    `drawbox=x=200:y=(ih/2)+130:w=1520:h=10:color=0x2a4f7a:t=fill`,
    `drawtext=fontfile='${font}':text='●':fontsize=48:fontcolor=0xf4a261:x='200+(1520-text_w)*t/${SLATE_SECONDS}':y=(h/2)+135-text_h/2`,
  ].join(',');
  const labels = rungs.map((_, i) => `[s${i}]`).join('');
  const graph = [
    `${base},split=${rungs.length}${labels}`,
    ...rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1[v${i}]`),
  ].join(';');
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `anullsrc=r=48000:cl=stereo`,
    '-filter_complex',
    graph,
  ];
  rungs.forEach((r, i) => {
    args.push(
      '-map',
      `[v${i}]`,
      ...videoEncodeArgs({ ...r, fps: SLATE_FPS }, o.preset ?? 'veryfast'),
      '-an',
      '-t',
      String(SLATE_SECONDS),
      ...hlsOutput(o.outDir, r.name),
    );
  });
  args.push(
    '-map',
    '0:a:0',
    '-vn',
    ...audioEncodeArgs(),
    // Whole AAC frames (1024 samples at 48 kHz): exactly the loop's length, so audio and video passes line up.
    '-frames:a',
    String(Math.round((SLATE_SECONDS * 48000) / 1024)),
    ...hlsOutput(o.outDir, CHANNEL_AUDIO),
  );
  return args;
}
