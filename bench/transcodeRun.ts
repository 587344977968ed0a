/**
 * One arm of `npm run bench:transcode`, in its own process so that its CPU
 * time (its own plus its reaped ffmpeg children) is measured alone.
 *   a: Skyclass's pipeline (transcodeLesson: probe, one-pass ladder, poster, measuring, publishing to storage)
 *   b: one ffmpeg run per rung (plus one for audio), one after another
 *   c: the same one-pass ffmpeg command as (a), run by hand
 * Prints one JSON line: {"arm", "wall_s", "cpu_s"}.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { onePassLadderArgs, perRungArgs } from '../core/ffmpeg/args.ts';
import { chooseLadder } from '../core/ffmpeg/ladder.ts';
import { probeUpload } from '../core/ffmpeg/probe.ts';
import { LocalStorage } from '../core/storage/LocalStorage.ts';
import { transcodeLesson } from '../recordings/transcode/transcodeLesson.ts';
import { cpuSeconds } from './cpu.ts';

const [arm, source, workDir, preset = 'veryfast'] = process.argv.slice(2);
if (!arm || !source || !workDir) throw new Error('usage: transcodeRun.ts a|b|c <source> <workDir> [preset]');

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}`))));
  });
}

async function outDirs(out: string, names: string[]) {
  await fsp.rm(out, { recursive: true, force: true });
  for (const n of names) await fsp.mkdir(path.join(out, n), { recursive: true });
}

// Everything the arms need to know about the source is read before the clock starts,
// except in (a), whose own probe is part of what it costs.
const probe = await probeUpload(source, { maxDurationSec: 24 * 3600 });
const rungs = chooseLadder(probe.video);
const names = [...rungs.map((r) => r.name), 'audio'];
const out = path.join(workDir, `arm-${arm}`);
await fsp.rm(out, { recursive: true, force: true });
await fsp.mkdir(out, { recursive: true });

const cpu0 = cpuSeconds();
const t0 = performance.now();
if (arm === 'a') {
  const storage = new LocalStorage({
    root: path.join(out, 'storage'),
    baseUrl: () => 'http://127.0.0.1',
    signingKey: 'bench'.repeat(8),
    defaultUrlTtlMs: 3600_000,
  });
  await transcodeLesson({
    lessonId: 'les_bench',
    source,
    storage,
    workDir: path.join(out, 'work'),
    logger: pino({ level: 'silent' }),
    maxDurationSec: 24 * 3600,
    preset,
  });
} else if (arm === 'b') {
  const hls = path.join(out, 'hls');
  await outDirs(hls, names);
  for (const args of perRungArgs(source, { outDir: hls, rungs, withAudio: true, preset })) await ffmpeg(args);
} else if (arm === 'c') {
  const hls = path.join(out, 'hls');
  await outDirs(hls, names);
  await ffmpeg(onePassLadderArgs(source, { outDir: hls, rungs, withAudio: true, preset }));
} else {
  throw new Error(`unknown arm ${arm}`);
}
const wall = (performance.now() - t0) / 1000;
const cpu = cpuSeconds() - cpu0;
await fsp.rm(out, { recursive: true, force: true });
console.log(
  JSON.stringify({ arm, wall_s: Math.round(wall * 100) / 100, cpu_s: Math.round(cpu * 100) / 100 }),
);
