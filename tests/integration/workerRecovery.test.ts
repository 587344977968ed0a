/**
 * Stalled-job recovery across processes: the server runs without a worker,
 * `npm run worker`-style processes take the jobs over the server's Redis
 * socket. One is killed with SIGKILL (with its ffmpeg) in the middle of a
 * transcode; a second worker takes the job up again and finishes it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { clip } from '../helpers/fixtures.ts';
import { startTestService } from '../helpers/service.ts';
import { tusUpload } from '../helpers/tusUpload.ts';
import { waitFor } from '../helpers/waitFor.ts';

let svc: RunningService;
const workers: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const dataDir = svc.core.config.dataDir;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/worker.ts'], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      REDIS_URL: `unix://${path.join(dataDir, 'redis', 'redis.sock')}`,
      TRANSCODE_LOCK_DURATION: '2s',
      TRANSCODE_PRESET: 'ultrafast',
      LOG_LEVEL: 'warn',
    },
    detached: true, // its own process group: killing the group takes its ffmpeg too
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  svc = await startTestService({ TRANSCODE_WORKER: 'off' });
}, 120_000);
afterAll(async () => {
  await Promise.all(
    workers
      .filter((w) => w.exitCode === null && w.signalCode === null)
      .map((w) => {
        const exited = new Promise((r) => w.once('exit', r));
        w.kill('SIGTERM'); // the worker's own graceful shutdown
        const force = setTimeout(() => process.kill(-w.pid!, 'SIGKILL'), 10_000);
        return exited.finally(() => clearTimeout(force));
      }),
  );
  await svc?.close();
});

it('a job whose worker died mid-transcode is taken up by another worker and finishes', async () => {
  const teacher = await ApiClient.as(svc.url, 'lead-g3');
  const first = startWorker();
  const up = await tusUpload(svc.url, teacher.token!, clip({ seconds: 30, width: 1280, height: 720 }), {
    title: '工人崩溃测试',
    grade: '3',
    subject: '数学',
  });
  const { lessonId } = JSON.parse(up.body) as { lessonId: string };
  type L = { status: string; attempts?: number; progress?: { stage: string; percent: number } };
  const lesson = async () => (await teacher.get<{ lesson: L }>(`/api/lessons/${lessonId}`)).body.lesson;
  await waitFor(
    async () => {
      const l = await lesson();
      return l.progress?.stage === 'transcoding' && l.progress.percent >= 10;
    },
    'the first worker to be well into the transcode',
    90_000,
    100,
  );

  process.kill(-first.pid!, 'SIGKILL');
  await new Promise((r) => first.once('exit', r));
  expect((await lesson()).status).toBe('processing'); // nobody told the catalogue: the worker just vanished

  startWorker();
  const done = await waitFor(
    async () => {
      const l = await lesson();
      return l.status === 'ready' || l.status === 'failed' ? l : undefined;
    },
    'the second worker to finish the stalled job',
    120_000,
  );
  expect(done.status).toBe('ready');
  expect(done.attempts).toBeGreaterThanOrEqual(1);
  const counts = (
    await (
      await ApiClient.as(svc.url, 'admin')
    ).get<{ counts: Record<string, number> }>('/api/transcode/queue')
  ).body.counts;
  expect(counts.completed).toBe(1);
  expect(counts.active).toBe(0);
}, 240_000);
