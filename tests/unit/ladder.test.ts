import { describe, expect, it } from 'vitest';
import { chooseLadder, outputFps } from '../../core/ffmpeg/ladder.ts';

const names = (w: number, h: number, fps = 25) =>
  chooseLadder({ width: w, height: h, fps }).map((r) => `${r.name}:${r.width}x${r.height}`);

describe('chooseLadder', () => {
  it('gives a 1080p source every rung plus the weak-network rung', () => {
    expect(names(1920, 1080)).toEqual([
      '1080p:1920x1080',
      '720p:1280x720',
      '480p:854x480',
      '360p:640x360',
      '144p:256x144',
    ]);
  });
  it('never upscales: a 720p source starts at 720p, a 480p one at 480p', () => {
    expect(names(1280, 720)).toEqual(['720p:1280x720', '480p:854x480', '360p:640x360', '144p:256x144']);
    expect(names(854, 480)).toEqual(['480p:854x480', '360p:640x360', '144p:256x144']);
  });
  it('keeps the aspect of 4:3 and portrait phone videos, with even sizes', () => {
    expect(names(1440, 1080)).toEqual([
      '1080p:1440x1080',
      '720p:960x720',
      '480p:640x480',
      '360p:480x360',
      '144p:192x144',
    ]);
    const portrait = chooseLadder({ width: 1080, height: 1920, fps: 30 });
    for (const r of portrait) {
      expect(r.width % 2).toBe(0);
      expect(r.height % 2).toBe(0);
      expect(r.height).toBeLessThanOrEqual(1920);
    }
  });
  it('treats a source a little under a rung height as that rung, downscaled not upscaled', () => {
    const l = chooseLadder({ width: 1906, height: 1072, fps: 25 });
    expect(l[0]).toMatchObject({ name: '1080p', height: 1072 });
  });
  it('gives a tiny source one rung at its own size plus 144p', () => {
    expect(names(426, 240)).toEqual(['240p:426x240', '144p:256x144']);
  });
  it('a source at or below 144p gets only the low rung, at its own size', () => {
    expect(names(176, 144)).toEqual(['144p:176x144']);
    expect(names(160, 90)).toEqual(['144p:160x90']);
  });
  it('the low rung is about 145 kbps with audio', () => {
    const low = chooseLadder({ width: 1920, height: 1080, fps: 25 }).at(-1)!;
    expect(low.videoKbps + 64).toBeGreaterThanOrEqual(130);
    expect(low.videoKbps + 64).toBeLessThanOrEqual(160);
    expect(low.profile).toBe('baseline');
  });
  it('bitrates fall down the ladder and maxrate/bufsize bound them', () => {
    const l = chooseLadder({ width: 1920, height: 1080, fps: 25 });
    for (let i = 1; i < l.length; i++) expect(l[i]!.videoKbps).toBeLessThan(l[i - 1]!.videoKbps);
    for (const r of l) expect(r.maxrateKbps).toBeGreaterThan(r.videoKbps);
  });
  it('rejects a source without a size', () => {
    expect(() => chooseLadder({ width: 0, height: 0, fps: 25 })).toThrow(RangeError);
  });
});

describe('outputFps', () => {
  it('keeps 25/30/29.97 and halves 50/60 evenly', () => {
    expect(outputFps(25)).toBe(25);
    expect(outputFps(29.97)).toBe(29.97);
    expect(outputFps(50)).toBe(25);
    expect(outputFps(60)).toBe(30);
    expect(outputFps(120)).toBe(30);
    expect(outputFps(0)).toBe(25);
    expect(outputFps(Number.NaN)).toBe(25);
  });
});
