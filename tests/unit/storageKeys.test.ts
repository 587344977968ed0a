import { describe, expect, it } from 'vitest';
import { checkKey, checkRange, contentTypeFor } from '../../core/storage/Storage.ts';
import { parseRangeHeader } from '../../server/http/range.ts';
import { signPath, verifySignedPath } from '../../core/storage/signedUrl.ts';

describe('storage keys', () => {
  it.each(['../etc/passwd', 'a/../../b', '/abs', 'a//b', 'a/./b', 'a\\b', 'a\u0000b', '', 'x/'])(
    'rejects %j',
    (k) => {
      expect(() => checkKey(k)).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
    },
  );

  it('accepts normal keys', () => {
    expect(checkKey('vod/lesson-1/720p/seg_00001.m4s')).toBe('vod/lesson-1/720p/seg_00001.m4s');
    expect(checkKey('课程/第一课.mp4')).toBe('课程/第一课.mp4');
  });

  it('knows HLS content types', () => {
    expect(contentTypeFor('a/index.m3u8')).toBe('application/vnd.apple.mpegurl');
    expect(contentTypeFor('a/s.ts')).toBe('video/mp2t');
    expect(contentTypeFor('a/s.m4s')).toBe('video/iso.segment');
    expect(contentTypeFor('a/unknown.bin')).toBe('application/octet-stream');
  });

  it('clamps and checks ranges', () => {
    expect(checkRange({ start: 5, end: 100 }, 10)).toEqual({ start: 5, end: 9 });
    expect(() => checkRange({ start: 10, end: 12 }, 10)).toThrow(
      expect.objectContaining({ code: 'RANGE_NOT_SATISFIABLE' }),
    );
  });
});

describe('Range header', () => {
  it.each([
    [undefined, undefined],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=100-', { start: 100, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=900-5000', { start: 900, end: 999 }],
    ['bytes=1000-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
  ])('%j → %j', (header, expected) => {
    expect(parseRangeHeader(header, 1000)).toEqual(expected);
  });
});

describe('signed paths', () => {
  it('accepts a valid signature and rejects tampering and expiry', () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const sig = signPath('k', 'a/b.m3u8', exp);
    expect(verifySignedPath('k', 'a/b.m3u8', String(exp), sig)).toBe('ok');
    expect(verifySignedPath('k', 'a/c.m3u8', String(exp), sig)).toBe('invalid');
    expect(verifySignedPath('k', 'a/b.m3u8', String(exp + 1), sig)).toBe('invalid');
    expect(verifySignedPath('k', 'a/b.m3u8', undefined, sig)).toBe('invalid');
    const old = Math.floor(Date.now() / 1000) - 5;
    expect(verifySignedPath('k', 'a/b.m3u8', String(old), signPath('k', 'a/b.m3u8', old))).toBe('expired');
  });
});
