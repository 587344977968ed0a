import { describe, expect, it } from 'vitest';
import {
  channelLadder,
  commonRungs,
  maxAvcCodec,
  type PieceVariant,
} from '../../server/channels/channelLadder.ts';
import { CHANNEL_RUNGS } from '../../media/channel/slate.ts';
import { nominalSlate } from '../../server/channels/SlateService.ts';
import { LIVE_PIECES } from '../../server/channels/ChannelService.ts';
import { buildMasterPlaylist } from '../../core/hls/masterPlaylist.ts';
import { chooseLadder } from '../../core/ffmpeg/ladder.ts';

/** A lesson's renditions as the transcoder measures them (sizes from the ladder, rates made up but plausible). */
function lesson(id: string, src: { width: number; height: number; fps: number }, peakScale = 1) {
  const renditions: Record<string, PieceVariant> = {};
  for (const r of chooseLadder(src))
    renditions[r.name] = {
      width: r.width,
      height: r.height,
      fps: r.fps,
      codecs: r.profile === 'high' ? 'avc1.64001f' : r.profile === 'main' ? 'avc1.4d401e' : 'avc1.42c00c',
      peak: Math.round(r.maxrateKbps * 1000 * 1.3 * peakScale),
      average: r.videoKbps * 1000,
    };
  renditions.audio = { width: 0, height: 0, fps: 0, codecs: 'mp4a.40.2', peak: 80_000, average: 66_000 };
  return { id, renditions };
}

const slate = nominalSlate();
const variants = (m: string) =>
  [...m.matchAll(/#EXT-X-STREAM-INF:(.*)\n(.*)/g)].map((x) => ({ attrs: x[1]!, uri: x[2]! }));
const attr = (a: string, k: string) => {
  const m = new RegExp(`(?:^|,)${k}=(?:"([^"]*)"|([^,]*))`).exec(a);
  return m ? (m[1] ?? m[2]) : undefined;
};

describe('honest channel masters', () => {
  const hd = lesson('les_1080', { width: 1920, height: 1080, fps: 25 });
  const small = lesson('les_360', { width: 640, height: 360, fps: 15 });

  it('a day mixing a 1080p and a 360p lesson offers only the rungs both have', () => {
    expect(commonRungs({ rungs: CHANNEL_RUNGS, lessons: [hd, small], slate })).toEqual(['360p', '144p']);
    expect(commonRungs({ rungs: CHANNEL_RUNGS, lessons: [hd], slate })).toEqual(
      CHANNEL_RUNGS.map((r) => r.name),
    );
  });

  it('each variant covers every piece it carries: size, frame rate, codec, peak and average', () => {
    const { videos, audio } = channelLadder({ rungs: CHANNEL_RUNGS, lessons: [hd, small], slate });
    const m = buildMasterPlaylist(videos, audio);
    const vs = variants(m).filter((v) => v.uri !== 'audio/index.m3u8');
    expect(vs.map((v) => v.uri).sort()).toEqual(['144p/index.m3u8', '360p/index.m3u8']);
    for (const v of vs) {
      const name = v.uri.split('/')[0]!;
      const [w, h] = attr(v.attrs, 'RESOLUTION')!.split('x').map(Number) as [number, number];
      const fps = Number(attr(v.attrs, 'FRAME-RATE'));
      const bandwidth = Number(attr(v.attrs, 'BANDWIDTH'));
      const codec = attr(v.attrs, 'CODECS')!.split(',')[0]!;
      for (const piece of [hd.renditions[name]!, small.renditions[name]!, slate[name]!]) {
        expect(piece.width).toBeLessThanOrEqual(w);
        expect(piece.height).toBeLessThanOrEqual(h);
        expect(piece.fps).toBeLessThanOrEqual(fps);
        expect(piece.peak + audio.peak).toBeLessThanOrEqual(bandwidth);
        // The declared codec's profile and level are at least the piece's.
        expect(parseInt(codec.slice(-2), 16)).toBeGreaterThanOrEqual(parseInt(piece.codecs.slice(-2), 16));
      }
      expect(fps).toBe(25); // slates and the 1080p lesson are 25 fps, the 360p lesson 15
    }
    expect(audio.peak).toBe(80_000);
  });

  it('a day with a live slot offers what the live pipeline encodes (360p, 144p)', () => {
    const names = commonRungs({ rungs: CHANNEL_RUNGS, lessons: [hd], slate, live: LIVE_PIECES });
    expect(names).toEqual(['360p', '144p']);
    const { videos } = channelLadder({ rungs: CHANNEL_RUNGS, lessons: [hd], slate, live: LIVE_PIECES });
    const v360 = videos.find((v) => v.name === '360p')!;
    expect(v360.peak).toBeGreaterThanOrEqual(LIVE_PIECES['360p']!.peak);
  });

  it('a 4:3 lesson makes the variant as wide as the widest piece, and picks the most demanding codec', () => {
    const narrow = lesson('les_43', { width: 320, height: 240, fps: 25 });
    const { videos } = channelLadder({ rungs: CHANNEL_RUNGS, lessons: [hd, narrow], slate });
    expect(videos.map((v) => v.name)).toEqual(['144p']);
    expect(videos[0]!.width).toBe(256);
    expect(maxAvcCodec(['avc1.42c00c', 'avc1.4d401e', 'avc1.640028'])).toBe('avc1.640028');
    expect(maxAvcCodec(['avc1.42c01e', 'avc1.42c00c'])).toBe('avc1.42c01e');
  });
});
