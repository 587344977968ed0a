import { describe, expect, it } from 'vitest';
import {
  onePassLadderArgs,
  perRungArgs,
  posterArgs,
  probeArgs,
  tailDecodeArgs,
  videoEncodeArgs,
} from '../../core/ffmpeg/args.ts';
import { chooseLadder } from '../../core/ffmpeg/ladder.ts';
import { progressParser } from '../../core/ffmpeg/FfmpegJob.ts';

const rungs = chooseLadder({ width: 1280, height: 720, fps: 25 });
const valueAfter = (args: string[], flag: string) => args.filter((_, i) => args[i - 1] === flag);

describe('one-pass ladder arguments', () => {
  const args = onePassLadderArgs('/in/source.mp4', {
    outDir: '/out',
    rungs,
    withAudio: true,
    preset: 'veryfast',
    progress: true,
  });

  it('decodes the input once and splits the frames to every rung', () => {
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    const graph = valueAfter(args, '-filter_complex')[0]!;
    expect(graph).toBe(
      '[0:v:0]fps=25,split=4[s0][s1][s2][s3];' +
        '[s0]scale=1280:720:flags=bicubic,setsar=1[v0];[s1]scale=854:480:flags=bicubic,setsar=1[v1];' +
        '[s2]scale=640:360:flags=bicubic,setsar=1[v2];[s3]scale=256:144:flags=bicubic,setsar=1[v3]',
    );
    expect(valueAfter(args, '-map')).toEqual(['[v0]', '[v1]', '[v2]', '[v3]', '0:a:0']);
  });

  it('aligns keyframes: the same 2 s GOP, no scene-cut keyframes, forced at the same instants', () => {
    expect(valueAfter(args, '-g')).toEqual(['50', '50', '50', '50']);
    expect(valueAfter(args, '-keyint_min')).toEqual(['50', '50', '50', '50']);
    expect(valueAfter(args, '-sc_threshold')).toEqual(['0', '0', '0', '0']);
    expect(new Set(valueAfter(args, '-force_key_frames'))).toEqual(new Set(['expr:gte(t,n_forced*2)']));
  });

  it('writes 4 s fMP4 HLS per rendition with a VOD playlist, and an audio-only AAC rendition', () => {
    expect(valueAfter(args, '-hls_time')).toEqual(['4', '4', '4', '4', '4']);
    expect(new Set(valueAfter(args, '-hls_segment_type'))).toEqual(new Set(['fmp4']));
    expect(new Set(valueAfter(args, '-hls_playlist_type'))).toEqual(new Set(['vod']));
    expect(args.filter((a) => a.endsWith('index.m3u8'))).toEqual([
      '/out/720p/index.m3u8',
      '/out/480p/index.m3u8',
      '/out/360p/index.m3u8',
      '/out/144p/index.m3u8',
      '/out/audio/index.m3u8',
    ]);
    expect(valueAfter(args, '-c:a')).toEqual(['aac']);
    expect(valueAfter(args, '-b:v')).toEqual(['2400k', '1100k', '600k', '80k']);
    expect(args.slice(-4)).toEqual(['-progress', 'pipe:1', '-stats_period', '0.5']);
  });

  it('leaves audio out for a silent source and never builds a shell string', () => {
    const silent = onePassLadderArgs('/in/a b;rm -rf.mp4', { outDir: '/out', rungs, withAudio: false });
    expect(silent).not.toContain('0:a:0');
    expect(silent).toContain('/in/a b;rm -rf.mp4');
    expect(silent).not.toContain('-progress');
  });
});

describe('other argument builders', () => {
  it('per-rung runs decode once per rung (the benchmark baseline)', () => {
    const runs = perRungArgs('/in.mp4', { outDir: '/o', rungs, withAudio: true });
    expect(runs).toHaveLength(5);
    for (const r of runs) expect(r.filter((a) => a === '-i')).toHaveLength(1);
    expect(valueAfter(runs[0]!, '-vf')).toEqual(['fps=25,scale=1280:720:flags=bicubic,setsar=1']);
  });
  it('encoder settings follow the rung', () => {
    const v = videoEncodeArgs(rungs.at(-1)!, 'ultrafast');
    expect(valueAfter(v, '-profile:v')).toEqual(['baseline']);
    expect(valueAfter(v, '-preset')).toEqual(['ultrafast']);
    expect(valueAfter(v, '-maxrate')).toEqual(['88k']);
  });
  it('probe, poster and tail-decode commands', () => {
    expect(probeArgs('/x.mp4')).toEqual([
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      '/x.mp4',
    ]);
    const p = posterArgs('/x.mp4', 12.345, '/o/poster.jpg');
    expect(valueAfter(p, '-ss')).toEqual(['12.35']);
    expect(p.at(-1)).toBe('/o/poster.jpg');
    expect(valueAfter(tailDecodeArgs('/x.mp4', 2), '-ss')).toEqual(['0.00']);
    expect(tailDecodeArgs('/x.mp4', 100)).toContain('-xerror');
  });
});

describe('ffmpeg -progress parser', () => {
  it('reports at each block end with the output time and speed', () => {
    const parse = progressParser();
    const block = ['frame=100', 'out_time_us=4000000', 'speed=2.5x', 'progress=continue'];
    const reports = block.map(parse).filter(Boolean);
    expect(reports).toEqual([{ outTimeSec: 4, speed: 2.5, done: false }]);
    expect(['out_time_us=N/A', 'speed=N/A', 'progress=end'].map(parse).filter(Boolean)).toEqual([
      { outTimeSec: 4, speed: 2.5, done: true },
    ]);
    expect(parse('garbage')).toBeUndefined();
  });
});
