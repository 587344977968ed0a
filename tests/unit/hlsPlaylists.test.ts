import { describe, expect, it } from 'vitest';
import { buildMasterPlaylist } from '../../core/hls/masterPlaylist.ts';
import { measureBitrates, parseMediaPlaylist } from '../../core/hls/mediaPlaylist.ts';

const media = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.000000,
seg_00000.m4s
#EXTINF:4.000000,
seg_00001.m4s
#EXTINF:0.500000,
seg_00002.m4s
#EXT-X-ENDLIST
`;

describe('media playlists', () => {
  it('parses segments, the init map and the end', () => {
    const p = parseMediaPlaylist(media);
    expect(p).toMatchObject({ version: 7, targetDuration: 4, mapUri: 'init.mp4', endList: true });
    expect(p.segments.map((s) => s.duration)).toEqual([4, 4, 0.5]);
  });
  it('rejects text that is not a playlist, and segments without EXTINF', () => {
    expect(() => parseMediaPlaylist('hello')).toThrow(/EXTM3U/);
    expect(() => parseMediaPlaylist('#EXTM3U\nseg.m4s\n')).toThrow(/EXTINF/);
  });
  it('measures peak over full segments and the average over everything', () => {
    const sizes: Record<string, number> = {
      'seg_00000.m4s': 50_000,
      'seg_00001.m4s': 100_000,
      'seg_00002.m4s': 40_000,
    };
    const b = measureBitrates(parseMediaPlaylist(media).segments, (u) => sizes[u]!, 1000);
    expect(b.peak).toBe(200_000); // 100 kB in 4 s; the 0.5 s tail is not a peak
    expect(b.average).toBe(Math.ceil((191_000 * 8) / 8.5));
    expect(b.durationSec).toBe(8.5);
  });
});

describe('master playlist', () => {
  const video = (name: string, w: number, h: number, peak: number) => ({
    name,
    uri: `${name}/index.m3u8`,
    width: w,
    height: h,
    fps: 25,
    codecs: 'avc1.64001f',
    peak,
    average: Math.round(peak * 0.8),
  });
  const text = buildMasterPlaylist(
    [
      video('720p', 1280, 720, 2_600_000),
      video('480p', 854, 480, 1_200_000),
      video('144p', 256, 144, 90_000),
    ],
    {
      uri: 'audio/index.m3u8',
      codecs: 'mp4a.40.2',
      channels: 2,
      peak: 70_000,
      average: 66_000,
      name: '普通话',
      language: 'zh',
    },
  );
  const lines = text.trim().split('\n');

  it('declares every attribute and counts audio in each variant', () => {
    expect(lines.slice(0, 3)).toEqual(['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS']);
    expect(text).toContain(
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="普通话",LANGUAGE="zh",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"',
    );
    expect(text).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=2670000,AVERAGE-BANDWIDTH=2146000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=25.000,AUDIO="aud"\n720p/index.m3u8',
    );
  });
  it('starts players on the variant nearest 1.2 Mbit/s, then high to low, audio-only last', () => {
    const uris = lines.filter((l) => !l.startsWith('#') && l !== '');
    expect(uris).toEqual(['480p/index.m3u8', '720p/index.m3u8', '144p/index.m3u8', 'audio/index.m3u8']);
    expect(lines.at(-2)).toBe('#EXT-X-STREAM-INF:BANDWIDTH=70000,AVERAGE-BANDWIDTH=66000,CODECS="mp4a.40.2"');
  });
});

describe('reading a live playlist with several encoder runs', () => {
  it('gives each segment the EXT-X-MAP in force and its EXT-X-PROGRAM-DATE-TIME', () => {
    const pl = parseMediaPlaylist(
      [
        '#EXTM3U',
        '#EXT-X-TARGETDURATION:2',
        '#EXT-X-MAP:URI="init_r0.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-23T08:00:00.000Z',
        '#EXTINF:2.000,',
        'r0_0.m4s',
        '#EXT-X-DISCONTINUITY',
        '#EXT-X-MAP:URI="init_r1.mp4"',
        '#EXT-X-PROGRAM-DATE-TIME:2026-11-23T08:00:03.000Z',
        '#EXTINF:2.000,',
        'r1_0.m4s',
        '#EXTINF:2.000,',
        'r1_1.m4s',
      ].join('\n'),
    );
    expect(pl.segments).toEqual([
      {
        uri: 'r0_0.m4s',
        duration: 2,
        mapUri: 'init_r0.mp4',
        programDateTime: Date.parse('2026-11-23T08:00:00Z'),
      },
      {
        uri: 'r1_0.m4s',
        duration: 2,
        mapUri: 'init_r1.mp4',
        programDateTime: Date.parse('2026-11-23T08:00:03Z'),
      },
      { uri: 'r1_1.m4s', duration: 2, mapUri: 'init_r1.mp4' },
    ]);
  });
});
