/**
 * npm run bench:live — live lessons measured end to end (root: it builds a
 * private network namespace like the tests do).
 *
 * - WebRTC glass-to-glass latency: the publisher page paints the clock as 32
 *   black/white blocks onto a canvas it publishes (H.264); subscriber pages
 *   read the blocks back from each decoded frame and compare with the clock
 *   (same machine, same clock). p50 and p95.
 * - Live HLS latency: the same painted clock read back from frames that
 *   hls.js plays (capture → on screen in hls.js).
 * - CPU of Janus and of the live ffmpeg per lesson, and Janus CPU with 0, 1,
 *   5 and 10 WebRTC viewers; the per-viewer cost is the slope against the
 *   0-viewer baseline measured in the same run.
 * Last line: {"bench":"live","webrtc_p50_ms":..,"webrtc_p95_ms":..,"hls_latency_s":..,"janus_cpu_pct_per_viewer":..}
 */
import { processCpuPct } from './cpu.ts';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startService } from '../server/Service.ts';
import { seedDemo } from '../server/district/seedDemo.ts';
import { bridgeIntoNetns, canCreateNetns, createNetns } from '../tests/helpers/netns.ts';
import { RTC_CHROMIUM_ARGS } from '../tests/helpers/rtcPage.ts';
import { ApiClient } from '../tests/helpers/ApiClient.ts';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 6000);
const why = canCreateNetns();
if (why) {
  console.error(`bench:live needs a private network namespace: ${why}. Run it as root.`);
  process.exit(2);
}

const PAINT = `
const BITS = 32, W = 640, H = 360, S = 36;
function paint(ctx) {
  const t = Date.now() % 4294967296;
  ctx.fillStyle = '#808080'; ctx.fillRect(0, 0, W, H);
  for (let i = 0; i < BITS; i++) {
    ctx.fillStyle = (Math.floor(t / 2 ** i) % 2) ? '#fff' : '#000';
    ctx.fillRect(20 + (i % 16) * S, 40 + Math.floor(i / 16) * (S + 10), S - 4, S - 4);
  }
  ctx.fillStyle = '#000'; ctx.font = '28px sans-serif'; ctx.fillText(new Date().toISOString().slice(11, 23), 20, 300);
}
function read(ctx) {
  const d = ctx.getImageData(0, 0, W, H).data;
  let t = 0;
  for (let i = 0; i < BITS; i++) {
    const x = 20 + (i % 16) * S + 16, y = 40 + Math.floor(i / 16) * (S + 10) + 16;
    const o = (y * W + x) * 4;
    if (d[o] + d[o + 1] + d[o + 2] > 3 * 128) t += 2 ** i;
  }
  const now = Date.now() % 4294967296;
  return (now - t + 4294967296) % 4294967296;
}
window.samples = [];
function sampleFrom(video) {
  const c = document.createElement('canvas'); c.width = W; c.height = H;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  const loop = () => {
    if (video.videoWidth) {
      ctx.drawImage(video, 0, 0, W, H);
      const lat = read(ctx);
      if (lat >= 0 && lat < 20000) window.samples.push(lat);
    }
    video.requestVideoFrameCallback(loop);
  };
  video.requestVideoFrameCallback(loop);
}
async function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
}
window.publish = async () => {
  const c = document.createElement('canvas'); c.width = W; c.height = H; document.body.append(c);
  const ctx = c.getContext('2d');
  setInterval(() => paint(ctx), 20);
  const video = c.captureStream(25).getVideoTracks()[0];
  const ac = new AudioContext(); const osc = ac.createOscillator(); const dst = ac.createMediaStreamDestination();
  osc.connect(dst); osc.start();
  const pc = (window.pc = new RTCPeerConnection());
  pc.addTransceiver(dst.stream.getAudioTracks()[0], { direction: 'sendonly' });
  const vt = pc.addTransceiver(video, { direction: 'sendonly', sendEncodings: [{ maxBitrate: 1500000 }] });
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  vt.setCodecPreferences([...codecs.filter((x) => x.mimeType === 'video/H264' && /packetization-mode=1/.test(x.sdpFmtpLine || '') && /42e01f/.test(x.sdpFmtpLine || '')), ...codecs.filter((x) => x.mimeType !== 'video/H264')]);
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.subscribe = async (offer) => {
  const pc = (window.pc = new RTCPeerConnection());
  const v = document.createElement('video'); v.muted = true; v.autoplay = true; v.playsInline = true; document.body.append(v);
  pc.ontrack = (e) => { if (e.track.kind === 'video') { v.srcObject = new MediaStream([e.track]); sampleFrom(v); } };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.answer = (sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp });
window.playHls = (url) => {
  const v = document.createElement('video'); v.muted = true; v.autoplay = true; document.body.append(v);
  const hls = new Hls({ liveSyncDurationCount: 2 });
  hls.loadSource(url); hls.attachMedia(v); v.play().catch(() => {});
  sampleFrom(v);
};
`;

const cpuPct = (pid: number, ms = WINDOW_MS) => processCpuPct(pid, ms);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

const work = fs.mkdtempSync('/tmp/sky-bench-live-');
const ns = createNetns(work);
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const svc = await startService(
  loadConfig({
    PORT: '0',
    DATA_DIR: path.join(work, 'data'),
    PASSWORD_HASH_COST: '10',
    SFU: 'janus',
    JANUS_ICE_ENFORCE_LIST: ns.iceAddress,
    JANUS_RTP_PORTS: '45000-45500',
    WEB_DIST_DIR: path.resolve('web-player/dist'),
    LOG_LEVEL: 'warn',
  }),
  logger,
  { janusCommandPrefix: ns.prefix },
);
await seedDemo(svc.core.store, { passwordCost: 10, studentsPerClass: 3 });
const bridge = await bridgeIntoNetns(
  ns,
  work,
  { host: '127.0.0.1', port: Number(new URL(svc.url).port) },
  18090,
);
const browser = await chromium.launch({
  executablePath: ns.chromiumWrapper,
  headless: true,
  args: [...RTC_CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
});
const hlsJs = fs.readFileSync('node_modules/hls.js/dist/hls.min.js', 'utf8');
async function benchPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.route(`${bridge.url}/__bench/**`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><script>${hlsJs}</script><script>${PAINT}</script>`,
    }),
  );
  await page.goto(`${bridge.url}/__bench/page`);
  return page;
}
const call = async (s: ReturnType<typeof io>, ev: string, payload: unknown) => {
  const r = (await s.timeout(20_000).emitWithAck(ev, payload)) as {
    error?: { message: string };
    [k: string]: unknown;
  };
  if (r.error) throw new Error(`${ev}: ${r.error.message}`);
  return r;
};

try {
  const teacher = await ApiClient.as(svc.url, 'lead-g3');
  const lesson = (
    await teacher.post<{ lesson: { id: string } }>('/api/live', {
      title: '基准测试',
      grade: 3,
      subject: '数学',
    })
  ).body.lesson;
  const { publishToken } = (await teacher.post<{ publishToken: string }>(`/api/live/${lesson.id}/start`))
    .body;
  const tSock = io(svc.url, { auth: { token: teacher.token }, transports: ['websocket'] });
  const pub = await benchPage();
  const offer = (await pub.evaluate('window.publish()')) as string;
  const r = await call(tSock, 'live:publish', {
    lessonId: lesson.id,
    publishToken,
    offer: { type: 'offer', sdp: offer },
  });
  await pub.evaluate(`window.answer(${JSON.stringify((r.answer as { sdp: string }).sdp)})`);
  await new Promise((res) => setTimeout(res, 4000));

  const janusPid = svc.sfu!.supervisor!.current!.pid!;
  const ffmpegPid = (await svc.liveHls!.get(lesson.id)!).supervisor!.current!.pid!;
  console.log('measuring Janus and ffmpeg with the publisher only…');
  const [janus0, ffmpeg0] = await Promise.all([cpuPct(janusPid), cpuPct(ffmpegPid)]);

  const student = await ApiClient.as(svc.url, 's1-g3-1-01');
  const sSock = io(svc.url, { auth: { token: student.token }, transports: ['websocket'] });
  const viewers: Page[] = [];
  const janusBy: Record<number, number> = { 0: janus0 };
  for (const target of [1, 5, 10]) {
    while (viewers.length < target) {
      const w = await call(sSock, 'live:watch', { lessonId: lesson.id });
      const page = await benchPage();
      const ans = (await page.evaluate(
        `window.subscribe(${JSON.stringify((w.offer as { sdp: string }).sdp)})`,
      )) as string;
      await call(sSock, 'live:answer', { peerId: w.peerId, answer: { type: 'answer', sdp: ans } });
      viewers.push(page);
    }
    await new Promise((res) => setTimeout(res, 2500));
    for (const v of viewers) await v.evaluate('window.samples = []');
    janusBy[target] = await cpuPct(janusPid);
    console.log(`  ${target} WebRTC viewer(s): Janus ${janusBy[target]!.toFixed(1)} % of a core`);
  }
  const webrtc = (
    await Promise.all(viewers.map((v) => v.evaluate('window.samples') as Promise<number[]>))
  ).flat();

  const pb = (await student.get<{ masterUrl: string }>(`/api/live/${lesson.id}/playback`)).body;
  for (const v of viewers.slice(1)) await v.close(); // keep the machine quiet for the HLS measurement
  const hlsPage = await benchPage();
  await hlsPage.evaluate(`window.playHls(${JSON.stringify(bridge.url + pb.masterUrl)})`);
  await new Promise((res) => setTimeout(res, 12_000)); // join the live edge
  await hlsPage.evaluate('window.samples = []');
  await new Promise((res) => setTimeout(res, WINDOW_MS));
  const hlsSamples = (await hlsPage.evaluate('window.samples')) as number[];

  const perViewer = (janusBy[10]! - janusBy[0]!) / 10;
  const w50 = pct(webrtc, 50);
  const w95 = pct(webrtc, 95);
  const hlsS = pct(hlsSamples, 50) / 1000;
  console.log('');
  console.log(
    `WebRTC glass-to-glass (${webrtc.length} frames, 10 viewers): p50 ${w50.toFixed(0)} ms, p95 ${w95.toFixed(0)} ms (target p95 ≤ 150 ms)`,
  );
  console.log(
    `live HLS capture → on screen in hls.js (${hlsSamples.length} frames): p50 ${hlsS.toFixed(2)} s, p95 ${(pct(hlsSamples, 95) / 1000).toFixed(2)} s (target ≤ 6 s)`,
  );
  console.log(
    `per lesson: Janus ${janus0.toFixed(1)} %, live ffmpeg (copy + 360p + 144p + audio) ${ffmpeg0.toFixed(1)} % of a core`,
  );
  console.log(
    `Janus per added WebRTC viewer: ${perViewer.toFixed(2)} % of a core (0→1: ${(janusBy[1]! - janus0).toFixed(1)}, 0→5: ${(janusBy[5]! - janus0).toFixed(1)}, 0→10: ${(janusBy[10]! - janus0).toFixed(1)} points)`,
  );
  console.log(
    JSON.stringify({
      bench: 'live',
      webrtc_p50_ms: Math.round(w50),
      webrtc_p95_ms: Math.round(w95),
      hls_latency_s: Math.round(hlsS * 100) / 100,
      janus_cpu_pct_per_viewer: Math.round(perViewer * 100) / 100,
    }),
  );
  tSock.close();
  sSock.close();
} finally {
  await browser.close();
  await bridge.close();
  await svc.close();
  ns.remove();
  fs.rmSync(work, { recursive: true, force: true });
}
