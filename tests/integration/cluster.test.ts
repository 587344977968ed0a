/**
 * Skyclass as a cluster, with real components on loopback: 3 api instances
 * behind Debian's nginx (round-robin, WebSocket upgrade), 2 media nodes
 * (mediasoup on 127.0.0.2 and 127.0.0.3), a transcode worker, Redis primary
 * + replica + 3 sentinels, an S3 server; teachers publish from Chromium's
 * fake camera through the web app. Then things are killed (SIGKILL): a
 * media node during a lesson, an api instance during a lesson and during an
 * upload, the scheduler's leader, the Redis primary. The same cases, timed,
 * are bench:cluster.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { startCluster, type Cluster } from '../helpers/cluster.ts';
import {
  apiKill,
  leaderFailover,
  mediaNodeFailover,
  redisFailover,
  requestsServed,
  runCycles,
  uploadFailover,
} from '../helpers/clusterFaults.ts';
import { RTC_CHROMIUM_ARGS } from '../helpers/rtcPage.ts';
import { BASE_CHROMIUM_ARGS } from '../helpers/browser.ts';

const CYCLES = Number(process.env.CLUSTER_CYCLES ?? 20);

describe('a cluster: 3 api instances behind nginx, 2 media nodes, Redis with Sentinel, S3', () => {
  let c: Cluster;
  let browser: Browser;
  beforeAll(async () => {
    // Two viewers of a lesson per media node: a lesson's third viewer is served by the other node (piped).
    c = await startCluster({ roomShare: 2 });
    browser = await launchChromium([
      ...RTC_CHROMIUM_ARGS.slice(BASE_CHROMIUM_ARGS.length),
      '--autoplay-policy=no-user-gesture-required',
    ]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
  }, 60_000);

  it(
    `${CYCLES} start → publish → 3 viewers → end cycles through nginx, each ending in a playable replay`,
    async () => {
      const served = await Promise.all(c.apis.map(requestsServed));
      const r = await runCycles(c, browser, CYCLES);
      expect(r.failures).toEqual([]);
      expect(r.ok).toBe(CYCLES);
      // Every lesson was bigger than one node: its viewers on both, all decoding.
      expect(r.spread).toBe(CYCLES);
      // Round-robin: every api instance answered a share of the requests.
      const after = await Promise.all(c.apis.map(requestsServed));
      for (const [i, n] of after.entries()) expect(n - served[i]!).toBeGreaterThan(CYCLES);
    },
    60_000 + CYCLES * 45_000,
  );

  it('a media node is killed mid-lesson: the teacher publishes on the other node within 15 s; live HLS continues the same playlist', async () => {
    const r = await mediaNodeFailover(c, browser);
    console.log('media node failover', r);
    expect(r.webrtcS).toBeLessThanOrEqual(15);
    expect(r.hlsGapS).toBeLessThanOrEqual(10);
    expect(r.newDiscontinuities).toBe(1);
    expect(r.sequenceNeverDecreased).toBe(true);
    expect(r.hlsFatal).toBe(0);
    expect(r.viewerDecodesAgain).toBe(true);
    await c.restart(c.medias.find((m) => m.child.signalCode === 'SIGKILL')!);
  }, 240_000);

  it('the api instance holding the teacher’s socket is killed mid-lesson: no live HLS gap over 2 s', async () => {
    const r = await apiKill(c, browser);
    console.log('api instance killed', r);
    expect(r.maxGapS).toBeLessThanOrEqual(2);
    expect(r.teacherKept).toBe(true);
    expect(r.orphanClosed).toBe(true);
  }, 180_000);

  it('a 200 MiB upload resumes on another instance after its instance is killed; two writers at once cannot corrupt an upload', async () => {
    const r = await uploadFailover(c);
    console.log('upload failover', r);
    expect(r.killedMidway).toBe(true);
    expect(r.sameSha).toBe(true);
    expect(r.concurrentIntact).toBe(true);
  }, 300_000);

  it('the scheduler leader is killed: a new leader within 5 s, the head-end MPEG-TS back within 10 s', async () => {
    const r = await leaderFailover(c);
    console.log('leader failover', r);
    expect(r.leaderS).toBeLessThanOrEqual(5);
    expect(r.headEndS).toBeLessThanOrEqual(10);
  }, 180_000);

  it('the Redis primary is killed: the service answers within 15 s, a job queued after completes, 100 switches fire once each', async () => {
    const r = await redisFailover(c);
    console.log('redis failover', r);
    expect(r.backS).toBeLessThanOrEqual(15);
    expect(r.jobCompleted).toBe(true);
    expect(r.firedOnce).toBe(r.switches);
    expect(r.firedTwice).toBe(0);
  }, 300_000);
});
