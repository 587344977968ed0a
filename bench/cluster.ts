/**
 * npm run bench:cluster — the cluster's fault cases, timed, on one machine:
 * 3 api instances behind nginx, 2 media nodes (each mediasoup on its own
 * loopback address; a lesson's viewers beyond 2 per node go to the other
 * node through a pipe), a transcode worker, Redis primary + replica + 3
 * sentinels, s3rver; Chromium publishes and watches through the web app.
 *
 *  1. BENCH_CYCLES (20) start → publish → 3 WebRTC viewers → end cycles, each
 *     ending in a playable replay;
 *  2. SIGKILL of the teacher's media node: time until the teacher publishes
 *     on the other node, and the live HLS gap by PROGRAM-DATE-TIME;
 *  3. SIGKILL of the api instance holding the teacher's socket: the largest
 *     live HLS gap after it; the baseline is the same playlist's largest gap
 *     before the kill (undisturbed, same run);
 *  4. a 200 MiB upload whose instance is killed mid-PATCH (identical SHA-256);
 *  5. SIGKILL of the scheduler leader: new leader, head-end MPEG-TS back;
 *  6. SIGKILL of the Redis primary: time until a sign-in works again.
 *
 * Each figure is printed with its ratio to the target (≤ 1 meets it).
 * Last line: {"bench":"cluster","cycles_ok":…,"cycles":…,"media_failover_webrtc_s":…,
 * "media_failover_hls_gap_s":…,"api_kill_gap_s":…,"redis_failover_s":…,"leader_failover_s":…}
 */
import { launchChromium, BASE_CHROMIUM_ARGS } from '../tests/helpers/browser.ts';
import { startCluster } from '../tests/helpers/cluster.ts';
import {
  apiKill,
  leaderFailover,
  mediaNodeFailover,
  redisFailover,
  runCycles,
  uploadFailover,
} from '../tests/helpers/clusterFaults.ts';
import { RTC_CHROMIUM_ARGS } from '../tests/helpers/rtcPage.ts';

const CYCLES = Number(process.env.BENCH_CYCLES ?? 20);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const line = (what: string, value: number, unit: string, target: number) =>
  console.log(
    `${what.padEnd(44)} ${String(round(value)).padStart(7)} ${unit.padEnd(3)} target ≤ ${target} ${unit}  (ratio ${round(value / target)})`,
  );

async function main(): Promise<void> {
  const started = Date.now();
  const c = await startCluster({ roomShare: 2 });
  console.log(
    `cluster up in ${round((Date.now() - started) / 1000, 1)} s: ${c.apis.length} api, ${c.medias.length} media, 1 worker, nginx, Redis+Sentinel, s3rver`,
  );
  const browser = await launchChromium([
    ...RTC_CHROMIUM_ARGS.slice(BASE_CHROMIUM_ARGS.length),
    '--autoplay-policy=no-user-gesture-required',
  ]);
  try {
    const cycles = await runCycles(c, browser, CYCLES);
    console.log(
      `cycles: ${cycles.ok}/${cycles.cycles} ok, ${cycles.spread} with viewers on both media nodes, rooms on ${[...cycles.nodes].join(', ')}`,
    );
    for (const f of cycles.failures) console.log(`  ${f}`);
    const media = await mediaNodeFailover(c, browser);
    await c.restart(c.medias.find((m) => m.child.signalCode === 'SIGKILL')!);
    const api = await apiKill(c, browser);
    const upload = await uploadFailover(c);
    const leader = await leaderFailover(c);
    const redis = await redisFailover(c);
    console.log('');
    line('media node killed → teacher publishing again', media.webrtcS, 's', 15);
    line('media node killed → live HLS gap (PDT)', media.hlsGapS, 's', 10);
    console.log(
      `  new discontinuities ${media.newDiscontinuities} (1 expected), media sequence never decreased: ${media.sequenceNeverDecreased}, hls.js fatal errors ${media.hlsFatal}`,
    );
    line('api instance killed → largest live HLS gap', api.maxGapS, 's', 2);
    console.log(`  baseline (same playlist before the kill): ${round(api.baselineGapS)} s`);
    console.log(
      `upload: 200 MiB, instance killed mid-PATCH ${upload.killedMidway}, SHA-256 identical ${upload.sameSha}; two writers at once → ${upload.concurrentStatuses.join(' / ')}, intact ${upload.concurrentIntact}`,
    );
    line('scheduler leader killed → new leader', leader.leaderS, 's', 5);
    line('scheduler leader killed → head-end MPEG-TS back', leader.headEndS, 's', 10);
    line('Redis primary killed → sign-in works again', redis.backS, 's', 15);
    console.log(
      `  transcode queued after the failover completed: ${redis.jobCompleted}; switches fired once ${redis.firedOnce}/${redis.switches}, twice ${redis.firedTwice}`,
    );
    console.log(
      JSON.stringify({
        bench: 'cluster',
        cycles_ok: cycles.ok,
        cycles: cycles.cycles,
        media_failover_webrtc_s: round(media.webrtcS),
        media_failover_hls_gap_s: round(media.hlsGapS),
        api_kill_gap_s: round(api.maxGapS),
        redis_failover_s: round(redis.backS),
        leader_failover_s: round(leader.leaderS),
      }),
    );
  } finally {
    await browser.close();
    await c.close();
  }
}

await main();
process.exit(0);
