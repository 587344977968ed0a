/**
 * The ABR ladder chosen from the source: standard rungs at or below the
 * source height (never upscale) plus a very low rung for weak mobile
 * networks (~145 kbps with the 64 kbps audio rendition).
 */

export interface SourceVideo {
  width: number;
  height: number;
  fps: number;
}

export interface Rung {
  name: string;
  width: number;
  height: number;
  fps: number;
  videoKbps: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  profile: 'baseline' | 'main' | 'high';
  level: string;
}

interface RungSpec {
  height: number;
  kbps: number;
  profile: Rung['profile'];
  level: string;
}

/** Bitrates for lesson content (a teacher, a board, slides) at up to 30 fps. */
export const STANDARD_RUNGS: readonly RungSpec[] = [
  { height: 1080, kbps: 4500, profile: 'high', level: '4.0' },
  { height: 720, kbps: 2400, profile: 'high', level: '3.1' },
  { height: 480, kbps: 1100, profile: 'main', level: '3.0' },
  { height: 360, kbps: 600, profile: 'main', level: '3.0' },
];
/** The weak-network rung: 144p, 80 kbps video + 64 kbps audio ≈ 145 kbps. */
export const LOW_RUNG: RungSpec = { height: 144, kbps: 80, profile: 'baseline', level: '3.0' };
export const AUDIO_KBPS = 64;
export const MAX_FPS = 30;

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** Output frame rate: the source's, halved while above 30 (50→25, 60→30), so frames are dropped evenly. */
export function outputFps(sourceFps: number): number {
  let fps = sourceFps > 0 && Number.isFinite(sourceFps) ? sourceFps : 25;
  while (fps > MAX_FPS + 0.01) fps /= 2;
  return Math.round(fps * 1000) / 1000;
}

function makeRung(spec: RungSpec, src: SourceVideo, fps: number): Rung {
  const height = Math.min(spec.height, even(src.height));
  const width = even((src.width * height) / src.height);
  return {
    name: `${spec.height}p`,
    width,
    height,
    fps,
    videoKbps: spec.kbps,
    maxrateKbps: Math.round(spec.kbps * 1.1),
    bufsizeKbps: Math.round(spec.kbps * 1.5),
    profile: spec.profile,
    level: spec.level,
  };
}

export function chooseLadder(src: SourceVideo): Rung[] {
  if (!(src.width > 0 && src.height > 0))
    throw new RangeError(`invalid source size ${src.width}x${src.height}`);
  const fps = outputFps(src.fps);
  // A rung is kept when the source has at least ~90% of its height (a 1072p phone video still gets 1080p-class treatment, downscaled).
  const rungs = STANDARD_RUNGS.filter((r) => src.height >= r.height * 0.9).map((r) => makeRung(r, src, fps));
  if (rungs.length === 0 && src.height > LOW_RUNG.height * 1.5) {
    // A small source (e.g. 240p): one rung at its own size, never upscaled.
    rungs.push({ ...makeRung({ ...STANDARD_RUNGS[3]!, height: even(src.height), kbps: 400 }, src, fps) });
  }
  rungs.push(makeRung(LOW_RUNG, src, fps));
  return rungs;
}
