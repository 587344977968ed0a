/**
 * npm run bench:transcode — Skyclass's one-pass ABR ladder against
 *   (b) one ffmpeg run per rung, as per-resolution job systems do, and
 *   (c) the same one-pass ffmpeg command run by hand,
 * on a generated 1080p clip (BENCH_SECONDS, default 120), in one run.
 * Each arm runs in its own child process; wall and CPU time (including
 * ffmpeg) are measured there. BENCH_ROUNDS (default 1) repeats the arms
 * in rotated order and keeps each arm's fastest run.
 * Last line: {"bench":"transcode","speedup_vs_per_rung":b/a,"overhead_vs_raw":a/c,"realtime_factor":clip/a}
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clip as makeClip } from '../tests/helpers/fixtures.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 120);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const preset = process.env.BENCH_PRESET ?? 'veryfast';
const dir = path.resolve('.tmp/bench');
fs.mkdirSync(dir, { recursive: true });

console.log(
  `test clip: ${seconds} s 1920x1080 25 fps (testsrc2 + sine, H.264 CRF 20 / AAC 128k; made once, then cached)…`,
);
const clip = makeClip({
  seconds,
  width: 1920,
  height: 1080,
  name: `lesson_1080p_${seconds}s.mp4`,
  crf: 20,
  audioKbps: 128,
  gop: null,
});

const ffmpegVersion = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0];
console.log(
  `clip: ${clip} (${seconds} s, 1920x1080, 25 fps); x264 preset ${preset}; ${os.cpus().length} cores (${os.cpus()[0]?.model}); ${ffmpegVersion}`,
);

interface ArmResult {
  arm: string;
  wall_s: number;
  cpu_s: number;
}
const best: Record<string, ArmResult> = {};
const arms = ['c', 'a', 'b'];
for (let round = 0; round < rounds; round++) {
  const order = arms.map((_, i) => arms[(i + round) % arms.length]!);
  for (const arm of order) {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/transcodeRun.ts', arm, clip, dir, preset],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (r.status !== 0) throw new Error(`arm ${arm} failed (exit ${r.status})`);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ArmResult;
    console.log(
      `  round ${round + 1} arm ${arm}: wall ${result.wall_s.toFixed(2)} s, cpu ${result.cpu_s.toFixed(2)} s`,
    );
    if (!best[arm] || result.wall_s < best[arm].wall_s) best[arm] = result;
  }
}

const a = best.a!,
  b = best.b!,
  c = best.c!;
const label: Record<string, string> = {
  a: '(a) Skyclass one-pass ladder (probe, encode, poster, publish)',
  b: '(b) one ffmpeg run per rung',
  c: '(c) same one-pass ffmpeg command by hand',
};
console.log('');
console.log('arm                                                          wall s    cpu s   realtime×');
for (const r of [a, b, c]) {
  console.log(
    `${label[r.arm]!.padEnd(60)} ${r.wall_s.toFixed(2).padStart(7)} ${r.cpu_s.toFixed(2).padStart(8)} ${(seconds / r.wall_s).toFixed(2).padStart(10)}`,
  );
}
const speedup = b.wall_s / a.wall_s;
const overhead = a.wall_s / c.wall_s;
console.log(
  `b/a wall ${speedup.toFixed(3)} (target ≥ 1.15), cpu ${(b.cpu_s / a.cpu_s).toFixed(3)}; a/c wall ${overhead.toFixed(3)} (target ≤ 1.05), cpu ${(a.cpu_s / c.cpu_s).toFixed(3)}`,
);
console.log(
  JSON.stringify({
    bench: 'transcode',
    speedup_vs_per_rung: Math.round(speedup * 1000) / 1000,
    overhead_vs_raw: Math.round(overhead * 1000) / 1000,
    realtime_factor: Math.round((seconds / a.wall_s) * 1000) / 1000,
  }),
);
