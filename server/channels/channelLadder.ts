/**
 * The honest channel ladder. A grade channel plays pieces with different
 * ladders one after another (lessons transcoded from 1080p or 360p sources,
 * slates, a live lesson's pipeline), but a player reads the master playlist
 * once. So the master offers only the rungs that every piece of the channel's
 * days (yesterday, today, tomorrow) has natively, and each variant's
 * attributes cover everything it will carry:
 * - RESOLUTION: the largest picture among the pieces (4:3 lessons are narrower);
 * - FRAME-RATE: the highest frame rate (RFC 8216: the maximum);
 * - CODECS: the most demanding AVC profile and level (a decoder for it plays the rest);
 * - BANDWIDTH / AVERAGE-BANDWIDTH: the highest measured peak and average
 *   (slates measured when rendered; live rungs bounded by their encoder's VBV:
 *   maxrate + bufsize / segment length), plus the audio group's.
 * A lesson that lacks a rung therefore removes that rung from the channel
 * rather than being played in it at another size.
 */
import type { AudioRendition, VideoVariant } from '../../core/hls/masterPlaylist.ts';
import type { Rung } from '../../core/ffmpeg/ladder.ts';

/** What one piece (a lesson rendition, a slate rung, a live rung) puts into a variant: a variant without its name and URI. */
export type PieceVariant = Omit<VideoVariant, 'name' | 'uri'>;

export interface LessonLadder {
  id: string;
  /** Video renditions by name (360p …) and the audio rendition under "audio". */
  renditions: Record<string, PieceVariant>;
}

export interface ChannelPieces {
  rungs: readonly Rung[];
  lessons: LessonLadder[];
  /** The slates' rungs (every channel rung) and audio. */
  slate: Record<string, PieceVariant>;
  /** The live pipeline's rungs by channel rung name, when the days have a live slot. */
  live?: Record<string, PieceVariant>;
}

const PROFILE_RANK: Record<number, number> = { 66: 0, 77: 1, 88: 1, 100: 2, 110: 3, 122: 4, 244: 5 };

/** The most demanding of several avc1.PPCCLL strings (higher profile, then the highest level). */
export function maxAvcCodec(codecs: string[]): string {
  const parsed = codecs
    .map((c) => /^avc1\.([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => ({ p: parseInt(m[1]!, 16), c: m[2]!, l: parseInt(m[3]!, 16), pHex: m[1]! }));
  if (!parsed.length) return codecs[0] ?? 'avc1.640028';
  const top = parsed.reduce((a, b) => ((PROFILE_RANK[b.p] ?? 0) > (PROFILE_RANK[a.p] ?? 0) ? b : a));
  const level = Math.max(...parsed.map((x) => x.l));
  return `avc1.${top.pHex}${top.c}${level.toString(16).padStart(2, '0')}`.toLowerCase();
}

function combine(pieces: PieceVariant[]): PieceVariant {
  const largest = pieces.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  return {
    width: Math.max(...pieces.map((p) => p.width)),
    height: largest.height,
    fps: Math.max(...pieces.map((p) => p.fps)),
    codecs: maxAvcCodec(pieces.map((p) => p.codecs)),
    peak: Math.max(...pieces.map((p) => p.peak)),
    average: Math.max(...pieces.map((p) => p.average)),
  };
}

/** The rungs every piece has natively (the channel offers these and no others). */
export function commonRungs(p: ChannelPieces): string[] {
  const names = p.rungs
    .map((r) => r.name)
    .filter((n) => !!p.slate[n] && p.lessons.every((l) => !!l.renditions[n]) && (!p.live || !!p.live[n]));
  // Every ladder ends in 144p, so this is never empty in practice; if it were, the smallest rung is kept.
  return names.length ? names : [p.rungs.at(-1)!.name];
}

/** The master playlist's variants and audio group for a channel's days. */
export function channelLadder(p: ChannelPieces): { videos: VideoVariant[]; audio: AudioRendition } {
  const videos = commonRungs(p).map((name) => {
    const pieces = [
      p.slate[name],
      ...p.lessons.map((l) => l.renditions[name]),
      ...(p.live ? [p.live[name]] : []),
    ].filter((x): x is PieceVariant => !!x);
    const v = combine(pieces);
    return { name, uri: `${name}/index.m3u8`, ...v };
  });
  const audios = [p.slate.audio, ...p.lessons.map((l) => l.renditions.audio), p.live?.audio].filter(
    (x): x is PieceVariant => !!x,
  );
  return {
    videos,
    audio: {
      uri: 'audio/index.m3u8',
      codecs: 'mp4a.40.2',
      channels: 2,
      peak: Math.max(...audios.map((a) => a.peak)),
      average: Math.max(...audios.map((a) => a.average)),
      name: '中文',
      language: 'zh',
    },
  };
}
