import { describe, expect, it } from 'vitest';
import { safeInputArgs, scrubPaths, sniffBytes } from '../../core/ffmpeg/sniff.ts';
import { onePassLadderArgs, posterArgs, probeArgs, tailDecodeArgs } from '../../core/ffmpeg/args.ts';
import { MediaError } from '../../core/ffmpeg/MediaError.ts';
import { chooseLadder } from '../../core/ffmpeg/ladder.ts';

const buf = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffing an upload by its content, not its name', () => {
  it.each([
    ['MP4', buf([0, 0, 0, 0x20], 'ftypisom'), 'mov'],
    ['MOV', buf([0, 0, 0, 0x14], 'ftypqt  '), 'mov'],
    ['MKV/WebM', buf([0x1a, 0x45, 0xdf, 0xa3]), 'matroska'],
    ['AVI', buf('RIFF', [0, 0, 0, 0], 'AVI '), 'avi'],
    ['FLV', buf('FLV', [1]), 'flv'],
    ['MPEG-PS', buf([0, 0, 1, 0xba]), 'mpeg'],
    ['WMV', buf([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]), 'asf'],
  ])('%s is a video container opened with -f %s', (_n, b, demuxer) => {
    expect(sniffBytes(b)).toEqual({ kind: 'video-container', demuxer });
  });
  it('MPEG-TS needs two sync bytes a packet apart', () => {
    const ts = Buffer.alloc(256);
    ts[0] = 0x47;
    ts[188] = 0x47;
    expect(sniffBytes(ts)).toEqual({ kind: 'video-container', demuxer: 'mpegts' });
    expect(sniffBytes(buf('G not a stream at all'))).toEqual({ kind: 'unknown' });
  });
  it.each([
    ['PNG', buf([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])],
    ['JPEG', buf([0xff, 0xd8, 0xff, 0xe0])],
    ['GIF', buf('GIF89a')],
    ['HEIC', buf([0, 0, 0, 0x18], 'ftypheic')],
    ['WebP', buf('RIFF', [0, 0, 0, 0], 'WEBP')],
  ])('%s is a still image', (_n, b) => expect(sniffBytes(b)).toEqual({ kind: 'image' }));
  it.each([
    ['M4A', buf([0, 0, 0, 0x18], 'ftypM4A ')],
    ['MP3', buf('ID3', [4, 0])],
    ['WAV', buf('RIFF', [0, 0, 0, 0], 'WAVE')],
    ['FLAC', buf('fLaC')],
  ])('%s is sound only', (_n, b) => expect(sniffBytes(b)).toEqual({ kind: 'audio' }));
  it.each([
    ['an HLS playlist', buf('#EXTM3U\n#EXTINF:10,\n/etc/passwd\n')],
    ['a concat list', buf("ffconcat version 1.0\nfile '/data/storage/originals/x/source'\n")],
    ['an SDP file', buf('v=0\no=- 0 0 IN IP4 127.0.0.1\n')],
    ['text', buf('第一课 教案')],
  ])('%s is not media', (_n, b) => expect(sniffBytes(b)).toEqual({ kind: 'unknown' }));
});

describe('ffmpeg and ffprobe open uploads with the sniffed demuxer and the file protocol only', () => {
  it('every builder forces the format and whitelists the file protocol before -i', () => {
    const rungs = chooseLadder({ width: 640, height: 360, fps: 25 });
    for (const args of [
      probeArgs('/w/source', 'mov'),
      tailDecodeArgs('/w/source', 60, 3, 'mov'),
      posterArgs('/w/source', 5, '/w/p.jpg', 1280, 'mov'),
      onePassLadderArgs('/w/source', { outDir: '/w/hls', rungs, withAudio: true, inputFormat: 'mov' }),
    ]) {
      const i = args.indexOf('/w/source');
      const before = args.slice(0, i);
      expect(before).toEqual(expect.arrayContaining(safeInputArgs('mov')));
      expect(before[before.indexOf('-protocol_whitelist') + 1]).toBe('file');
      expect(before[before.indexOf('-f') + 1]).toBe('mov');
    }
  });
});

describe('errors shown to teachers', () => {
  it('never carry server paths', () => {
    expect(
      scrubPaths(
        '/srv/skyclass/data/work/les_1/source: Invalid data',
        '/srv/skyclass/data/work/les_1/source',
      ),
    ).toBe('the video: Invalid data');
    expect(scrubPaths('could not open /var/lib/skyclass/storage/originals/x/source.mp4')).not.toContain(
      '/var',
    );
    const e = new MediaError(
      'MEDIA_CORRUPT',
      '/data/storage/originals/les_a/source.mp4: moov atom not found',
    );
    expect(e.message).not.toContain('/data/');
    expect(e.detail).toContain('/data/'); // kept for the logs
  });
  it('a transcode failure shows no tool output and promises no retry by itself', () => {
    const e = new MediaError('TRANSCODE_FAILED', 'poster: /data/work/x: error');
    expect(e.message).not.toContain('/data');
    expect(e.message).not.toMatch(/will be retried/);
  });
});

describe('head-end destinations and options', async () => {
  const { DestinationAllowList, parseOutputUrl, redactOutputUrl } =
    await import('../../media/channel/headEnd.ts');
  const allowed = new DestinationAllowList('239.0.0.0/8,10.20.0.0/16,iptv.example.net,fd00::/8');
  it.each([
    ['udp://239.1.2.3:1234', true],
    ['udp://10.20.3.4:1234', true],
    ['srt://iptv.example.net:9000', true],
    ['udp://[fd00::1]:1234', true],
    ['udp://127.0.0.1:6379', false],
    ['udp://10.21.0.1:1234', false],
    ['srt://evil.example.net:9000', false],
    ['udp://169.254.169.254:80', false],
  ])('%s allowed: %s', (url, ok) => {
    if (ok) expect(parseOutputUrl(url, allowed).host).toBeTruthy();
    else expect(() => parseOutputUrl(url, allowed)).toThrow(/not an allowed destination/);
  });
  it('refuses unknown options and bad values, redacts secrets', () => {
    expect(() => parseOutputUrl('udp://239.1.1.1:1?reuse=1', allowed)).toThrow(/not allowed/);
    expect(() => parseOutputUrl('srt://239.1.1.1:1?passphrase=short', allowed)).toThrow(/value/);
    expect(redactOutputUrl('srt://h:1?streamid=abc&passphrase=0123456789ab&latency=1')).toBe(
      'srt://h:1?streamid=***&passphrase=***&latency=1',
    );
    expect(() => new DestinationAllowList('300.1.1.1/8')).toThrow();
  });
});
