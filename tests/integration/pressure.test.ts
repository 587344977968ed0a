/**
 * The pressure-test tool (npm run pressure) against a real instance: a small
 * district morning — students signing in, heartbeats over socket.io, grade
 * channels played at hls.js's cadence, co-teachers' dashboards — with the
 * instance's CPU and memory sampled from its /metrics; the report has its
 * charts and the summary its figures.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { startTestService } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';

const run = promisify(execFile);
let svc: RunningService;

beforeAll(async () => {
  svc = await startTestService({ METRICS_TOKEN: 'pressure-metrics' });
  // The channels' slates are rendered on their first request: the district's channels are warm before opening day.
  for (const g of [1, 2])
    await waitFor(
      async () => (await fetch(`${svc.url}/channels/grade-${g}/360p/index.m3u8`)).status === 200,
      `channel grade-${g}`,
      90_000,
      500,
    );
}, 180_000);
afterAll(async () => svc?.close());

it('simulates students and co-teachers and reports latency, errors, bytes and the instance’s CPU and memory', async () => {
  const report = tmpDir('pressure');
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'tools/pressure.ts',
      ...['--url', svc.url, '--students', '12', '--co-teachers', '2', '--channels', '2'],
      ...['--replays', '0', '--duration', '12', '--ramp', '2', '--demo-per-class', '2'],
      ...['--report', report, '--metrics', `${svc.url}/metrics`, '--metrics-token', 'pressure-metrics'],
    ],
    { timeout: 90_000 },
  );
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    requests: number;
    errors: number;
    megabytes: number;
    peakClients: number;
    limit: unknown;
    latencyMs: Record<string, { count: number; p95: number | null }>;
    components: { cpuPctAvg: number | null; memStartMb: number | null; memEndMb: number | null }[];
    errorSamples: string[];
  };
  expect(summary.errorSamples).toEqual([]);
  expect(summary.errors).toBe(0);
  expect(summary.latencyMs.login!.count).toBe(14);
  expect(summary.latencyMs.segment!.count).toBeGreaterThanOrEqual(12);
  expect(summary.latencyMs.playlist!.count).toBeGreaterThanOrEqual(24);
  expect(summary.latencyMs.heartbeat!.count).toBeGreaterThanOrEqual(12);
  expect(summary.latencyMs.api!.count).toBeGreaterThanOrEqual(2);
  expect(summary.peakClients).toBe(12);
  expect(summary.limit).toBeNull();
  expect(summary.components[0]!.cpuPctAvg).not.toBeNull();
  expect(summary.components[0]!.memEndMb).toBeGreaterThan(10);
  const html = fs.readFileSync(path.join(report, 'report.html'), 'utf8');
  expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(6);
  expect(html).toContain('No limit reached');
  expect(JSON.parse(fs.readFileSync(path.join(report, 'summary.json'), 'utf8')).requests).toBe(
    summary.requests,
  );
}, 120_000);

it('broadcasts a live lesson from Chromium and watches it over live HLS and WebRTC (--teach --webrtc)', async () => {
  const live = await startTestService({
    SFU: 'mediasoup',
    MEDIASOUP_WORKERS: '1',
    MEDIASOUP_RTC_PORTS: '45800-45899',
  });
  try {
    const report = tmpDir('pressure-live');
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/pressure.ts',
        ...['--url', live.url, '--students', '4', '--co-teachers', '0', '--channels', '1'],
        ...['--replays', '0', '--live', '1', '--teach', '--webrtc', '2', '--duration', '40', '--ramp', '15'],
        ...['--demo-per-class', '2', '--report', report],
      ],
      { timeout: 150_000 },
    );
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      errors: number;
      errorSamples: string[];
      latencyMs: Record<string, { count: number; p95: number | null }>;
    };
    expect(summary.errorSamples).toEqual([]);
    expect(summary.errors).toBe(0);
    // Both WebRTC viewers got pictures; the students' players fetched the live lesson's HLS.
    expect(summary.latencyMs.webrtc!.count).toBe(2);
    expect(summary.latencyMs.segment!.count).toBeGreaterThanOrEqual(4);
    const lessons = await live.core.live.list();
    const taught = lessons.find((l) => l.title.startsWith('压力测试直播'))!;
    expect(taught.status).toBe('live');
  } finally {
    await live.close();
  }
}, 240_000);

it('refuses bad arguments with a clear message', async () => {
  const err = (await run(process.execPath, [
    '--import',
    'tsx',
    'tools/pressure.ts',
    '--url',
    'skyclass.example.edu',
  ]).catch((e: { stderr: string; code: number }) => e)) as { stderr: string; code: number };
  expect(err.code).toBe(2);
  expect(err.stderr).toContain('--url must be the deployment’s address');
});
