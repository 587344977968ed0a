import { describe, expect, it } from 'vitest';
import { parseSubtitles, subtitlePlaylist, toWebVtt, withSubtitles } from '../../core/hls/subtitles.ts';

const SRT =
  '\uFEFF1\r\n00:00:01,000 --> 00:00:03,500\r\n同学们好\r\n\r\n2\r\n00:00:04,000 --> 00:00:06,000\r\n今天我们学习分数\r\n';
const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"',
  '',
  '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000,AUDIO="aud"',
  '360p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=64000,AVERAGE-BANDWIDTH=60000,CODECS="mp4a.40.2"',
  'audio/index.m3u8',
  '',
].join('\n');

describe('subtitles', () => {
  it('reads SRT as teachers export it (BOM, CRLF, comma decimals) into WebVTT with a timestamp map', () => {
    const cues = parseSubtitles(SRT);
    expect(cues).toEqual([
      { start: 1, end: 3.5, text: '同学们好' },
      { start: 4, end: 6, text: '今天我们学习分数' },
    ]);
    const vtt = toWebVtt(cues);
    expect(vtt.startsWith('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n')).toBe(true);
    expect(vtt).toContain('00:00:01.000 --> 00:00:03.500\n同学们好');
    expect(parseSubtitles(vtt)).toEqual(cues); // WebVTT reads back the same
  });
  it('says which cue is wrong', () => {
    expect(() => parseSubtitles('')).toThrow('empty');
    expect(() => parseSubtitles('1\n00:00:05,000 --> 00:00:01,000\n反了')).toThrow(
      'Cue 1 ends before it starts',
    );
    expect(() => parseSubtitles('hello\nworld')).toThrow('no timing line');
    expect(() => parseSubtitles('1\n00:00:xx,000 --> 00:00:01,000\n?')).toThrow('is not a cue time');
  });
  it('publishes one segment as long as the lesson', () => {
    const pl = subtitlePlaylist('zh-CN-abc.vtt', 1499.6);
    expect(pl).toContain('#EXT-X-TARGETDURATION:1500');
    expect(pl).toContain('#EXTINF:1499.600,\nzh-CN-abc.vtt');
    expect(pl).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(pl.trim().endsWith('#EXT-X-ENDLIST')).toBe(true);
  });
  it('adds the SUBTITLES group to the master and every variant, replacing earlier tracks', () => {
    const one = withSubtitles(MASTER, [{ language: 'zh-CN', name: '中文', uri: 'subs/zh-CN.m3u8' }]);
    expect(one).toContain(
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="中文",LANGUAGE="zh-CN",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/zh-CN.m3u8"',
    );
    expect(one.match(/SUBTITLES="subs"/g)).toHaveLength(2);
    const two = withSubtitles(one, [
      { language: 'zh-CN', name: '中文', uri: 'subs/zh-CN.m3u8' },
      { language: 'en', name: 'English', uri: 'subs/en.m3u8' },
    ]);
    expect(two.match(/TYPE=SUBTITLES/g)).toHaveLength(2);
    expect(two.match(/SUBTITLES="subs"/g)).toHaveLength(2); // not twice per variant
    expect(withSubtitles(two, [])).toBe(MASTER);
  });
});
