/**
 * npm run bench:live — live lessons measured end to end, mediasoup (the
 * service's SFU) and Janus (the baseline) side by side in one run, on the
 * same painted-clock camera.
 *
 * - WebRTC glass-to-glass latency through the service on mediasoup: the
 *   publisher page paints the clock as 32 black/white blocks onto a canvas it
 *   publishes (three simulcast layers, H.264) with mediasoup-client; 10
 *   viewer pages read the blocks back from each decoded frame (same machine,
 *   same clock). p50 and p95.
 * - Live HLS latency: the same clock read back from frames hls.js plays.
 * - SFU CPU per viewer: 50 light receivers, the same kind for both SFUs —
 *   SRTP plain-RTP consumers (AES_CM_128_HMAC_SHA1_80) of the teacher's audio
 *   and video (mediasoup: the top simulcast layer) sent to UDP sinks — and the
 *   SFU process's CPU with 0 and with 50 of them; the per-viewer cost is the
 *   slope. Janus runs in a private network namespace (it does not do ICE on
 *   loopback) with its own Chromium publisher, as its tests do.
 * Last line: {"bench":"live","sfu":"mediasoup","webrtc_p50_ms":…,"webrtc_p95_ms":…,"hls_latency_s":…,
 *   "sfu_cpu_pct_per_viewer":…,"viewers_per_core":…,"janus_cpu_pct_per_viewer":…}
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { processCpuPct } from './cpu.ts';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startService } from '../server/Service.ts';
import { seedDemo } from '../server/district/seedDemo.ts';
import { JanusSfu } from '../media/janus/JanusSfu.ts';
import { canCreateNetns, createNetns } from '../tests/helpers/netns.ts';
import { RTC_CHROMIUM_ARGS } from '../tests/helpers/rtcPage.ts';
import { ApiClient } from '../tests/helpers/ApiClient.ts';

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 6000);
const RECEIVERS = Number(process.env.BENCH_RECEIVERS ?? 50);
const SRTP = 'AES_CM_128_HMAC_SHA1_80';
const why = canCreateNetns();
if (why) {
  console.error(`bench:live needs a private network namespace for Janus: ${why}. Run it as root.`);
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
}
function read(ctx) {
  const d = ctx.getImageData(0, 0, W, H).data;
  let t = 0;
  for (let i = 0; i < BITS; i++) {
    const x = 20 + (i % 16) * S + 16, y = 40 + Math.floor(i / 16) * (S + 10) + 16;
    const o = (y * W + x) * 4;
    if (d[o] + d[o + 1] + d[o + 2] > 3 * 128) t += 2 ** i;
  }
  return (Date.now() % 4294967296 - t + 4294967296) % 4294967296;
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
function camera() {
  const c = document.createElement('canvas'); c.width = W; c.height = H; document.body.append(c);
  const ctx = c.getContext('2d');
  setInterval(() => paint(ctx), 20);
  const ac = new AudioContext(); const osc = ac.createOscillator(); const dst = ac.createMediaStreamDestination();
  osc.connect(dst); osc.start();
  return { video: c.captureStream(25).getVideoTracks()[0], audio: dst.stream.getAudioTracks()[0] };
}
// mediasoup-client over the page's exposed signaling (window.sig → the bench's socket.io client).
async function msJoin(lessonId) {
  const j = await window.sig('sfu:join', { room: { kind: 'live', lessonId } });
  const device = new msc.Device();
  await device.load({ routerRtpCapabilities: j.rtpCapabilities });
  const transport = async (send) => {
    const p = await window.sig('sfu:transport', { peerId: j.peerId });
    const t = send ? device.createSendTransport(p) : device.createRecvTransport(p);
    t.on('connect', ({ dtlsParameters }, ok, ko) => window.sig('sfu:connect', { peerId: j.peerId, transportId: t.id, dtlsParameters }).then(() => ok(), ko));
    t.on('produce', ({ kind, rtpParameters, appData }, ok, ko) => window.sig('sfu:produce', { peerId: j.peerId, transportId: t.id, kind, rtpParameters, source: appData.source, publishToken: window.publishToken }).then((r) => ok({ id: r.producerId }), ko));
    return t;
  };
  return { j, device, transport };
}
window.msPublish = async (lessonId, publishToken) => {
  window.publishToken = publishToken;
  const { device, transport } = await msJoin(lessonId);
  const t = await transport(true);
  const cam = camera();
  const h264 = device.rtpCapabilities.codecs.find((c) => c.mimeType.toLowerCase() === 'video/h264');
  await t.produce({ track: cam.audio, appData: { source: 'mic' } });
  await t.produce({ track: cam.video, appData: { source: 'camera' }, codec: h264, encodings: [
    { rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150000 },
    { rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500000 },
    { rid: 'r2', maxBitrate: 1500000 }] });
};
window.msWatch = async (lessonId) => {
  const { j, device, transport } = await msJoin(lessonId);
  const t = await transport(false);
  const cam = j.producers.find((p) => p.source === 'camera');
  const c = await window.sig('sfu:consume', { peerId: j.peerId, transportId: t.id, producerId: cam.id, rtpCapabilities: device.rtpCapabilities });
  const consumer = await t.consume(c);
  await window.sig('sfu:resume', { peerId: j.peerId, consumerId: consumer.id });
  const v = document.createElement('video'); v.muted = true; v.autoplay = true; v.playsInline = true; document.body.append(v);
  v.srcObject = new MediaStream([consumer.track]);
  sampleFrom(v);
};
// Janus: SDP offer/answer (the baseline publishes the same painted camera).
async function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
}
window.janusPublish = async () => {
  const cam = camera();
  const pc = (window.pc = new RTCPeerConnection());
  pc.addTransceiver(cam.audio, { direction: 'sendonly' });
  const vt = pc.addTransceiver(cam.video, { direction: 'sendonly', sendEncodings: [{ maxBitrate: 1500000 }] });
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  vt.setCodecPreferences([...codecs.filter((x) => x.mimeType === 'video/H264' && /packetization-mode=1/.test(x.sdpFmtpLine || '') && /42e01f/.test(x.sdpFmtpLine || '')), ...codecs.filter((x) => x.mimeType !== 'video/H264')]);
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.janusAnswer = (sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp });
window.playHls = (url) => {
  const v = document.createElement('video'); v.muted = true; v.autoplay = true; document.body.append(v);
  const hls = new Hls({ liveSyncDurationCount: 2 });
  hls.loadSource(url); hls.attachMedia(v); v.play().catch(() => {});
  sampleFrom(v);
};
`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round2 = (x: number) => Math.round(x * 100) / 100;

const msClient = (
  await build({
    stdin: { contents: "export * from 'mediasoup-client';", resolveDir: process.cwd() },
    bundle: true,
    format: 'iife',
    globalName: 'msc',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  })
).outputFiles[0]!.text;
const hlsJs = fs.readFileSync('node_modules/hls.js/dist/hls.min.js', 'utf8');
const pageHtml = `<!doctype html><meta charset="utf-8"><script>${msClient}</script><script>${hlsJs}</script><script>${PAINT}</script>`;

async function benchPage(browser: Browser, origin: string, socket?: Socket): Promise<Page> {
  const page = await browser.newPage();
  await page.route(`${origin}/__bench/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: pageHtml }),
  );
  if (socket)
    await page.exposeFunction('sig', async (event: string, payload: unknown) => {
      const r = (await socket.timeout(20_000).emitWithAck(event, payload)) as { error?: { message: string } };
      if (r.error) throw new Error(`${event}: ${r.error.message}`);
      return r;
    });
  await page.goto(`${origin}/__bench/page`);
  return page;
}

/** UDP sinks that count what arrives (the light receivers' far end). */
function sinks(n: number, firstPort: number) {
  let packets = 0;
  const socks = Array.from({ length: n * 2 }, (_, i) => {
    const s = dgram.createSocket('udp4');
    s.on('message', () => packets++);
    s.bind(firstPort + i * 2, '127.0.0.1');
    return s;
  });
  return { packets: () => packets, close: () => socks.forEach((s) => s.close()) };
}

const work = fs.mkdtempSync('/tmp/sky-bench-live-');
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
let result: Record<string, number> = {};

// ── mediasoup, through the service ───────────────────────────────────────────
{
  const svc = await startService(
    loadConfig({
      PORT: '0',
      DATA_DIR: path.join(work, 'data'),
      PASSWORD_HASH_COST: '10',
      SFU: 'mediasoup',
      MEDIASOUP_WORKERS: '1',
      MEDIASOUP_RTC_PORTS: '45000-45500',
      WEB_DIST_DIR: path.resolve('web-player/dist'),
      LOG_LEVEL: 'warn',
    }),
    logger,
  );
  await seedDemo(svc.core.store, { passwordCost: 10, studentsPerClass: 3 });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [...RTC_CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const teacher = await ApiClient.as(svc.url, 'lead-g3');
    const lesson = (
      await teacher.post<{ lesson: { id: string; roomId: string } }>('/api/live', {
        title: '基准测试',
        grade: 3,
        subject: '数学',
      })
    ).body.lesson;
    // The bench lesson is on no timetable slot: the district admin allows it outside the timetable (audited).
    const admin = await ApiClient.as(svc.url, 'admin');
    await admin.post(`/api/live/${lesson.id}/allow-outside-slot`, { reason: '基准测试' });
    const { publishToken } = (await teacher.post<{ publishToken: string }>(`/api/live/${lesson.id}/start`))
      .body;
    const tSock = io(svc.url, { auth: { token: teacher.token }, transports: ['websocket'] });
    const pub = await benchPage(browser, svc.url, tSock);
    await pub.evaluate(
      ([id, tok]) =>
        (window as never as { msPublish: (a: string, b: string) => Promise<void> }).msPublish(id!, tok!),
      [lesson.id, publishToken],
    );
    await sleep(5000);
    const sfu = svc.sfu!;
    const workerPid = sfu.workerPids[0]!;
    const ffmpegPid = (await svc.liveHls!.get(lesson.id)!).supervisor!.current!.pid!;

    console.log(`mediasoup: the worker with the publisher only, then with ${RECEIVERS} SRTP receivers…`);
    const [ms0, ffmpeg0] = await Promise.all([
      processCpuPct(workerPid, WINDOW_MS),
      processCpuPct(ffmpegPid, WINDOW_MS),
    ]);
    const sink = sinks(RECEIVERS, 30000);
    const key = crypto.randomBytes(30).toString('base64');
    const close = await sfu.benchReceivers(lesson.roomId, RECEIVERS, 30000, {
      cryptoSuite: SRTP,
      keyBase64: key,
    });
    await sleep(3000);
    const before = sink.packets();
    const msN = await processCpuPct(workerPid, WINDOW_MS);
    const got = sink.packets() - before;
    await close();
    sink.close();
    const msPerViewer = (msN - ms0) / RECEIVERS;
    console.log(
      `  0 receivers: ${ms0.toFixed(1)} %; ${RECEIVERS}: ${msN.toFixed(1)} % of a core (${got} packets reached the sinks in the window)`,
    );

    // Glass to glass with 10 Chromium viewers (their own WebRTC transports, mediasoup picks their layer).
    const student = await ApiClient.as(svc.url, 's1-g3-1-01');
    const viewers: Page[] = [];
    for (let i = 0; i < 10; i++) {
      const s = io(svc.url, { auth: { token: student.token }, transports: ['websocket'] });
      const page = await benchPage(browser, svc.url, s);
      await page.evaluate(
        (id) => (window as never as { msWatch: (a: string) => Promise<void> }).msWatch(id),
        lesson.id,
      );
      viewers.push(page);
    }
    await sleep(6000); // bandwidth estimates climb to the top layer
    for (const v of viewers) await v.evaluate('window.samples = []');
    await sleep(WINDOW_MS);
    const webrtc = (
      await Promise.all(viewers.map((v) => v.evaluate('window.samples') as Promise<number[]>))
    ).flat();
    for (const v of viewers) await v.close();

    const pb = (await student.get<{ masterUrl: string }>(`/api/live/${lesson.id}/playback`)).body;
    const hlsPage = await benchPage(browser, svc.url);
    // The viewing pass the playback answer set, as the web app's browser would hold it.
    await hlsPage.context().addCookies([{ name: 'skyclass_hls', value: student.hlsPass!, url: svc.url }]);
    await hlsPage.evaluate(
      (u) => (window as never as { playHls: (a: string) => void }).playHls(u),
      svc.url + pb.masterUrl,
    );
    await sleep(12_000); // join the live edge
    await hlsPage.evaluate('window.samples = []');
    await sleep(WINDOW_MS);
    const hlsSamples = (await hlsPage.evaluate('window.samples')) as number[];
    tSock.close();

    const w50 = pct(webrtc, 50);
    const w95 = pct(webrtc, 95);
    const hlsS = pct(hlsSamples, 50) / 1000;
    console.log(
      `WebRTC glass-to-glass on mediasoup (${webrtc.length} frames, 10 viewers): p50 ${w50.toFixed(0)} ms, p95 ${w95.toFixed(0)} ms (target p95 ≤ 150 ms)`,
    );
    console.log(
      `live HLS capture → on screen in hls.js (${hlsSamples.length} frames): p50 ${hlsS.toFixed(2)} s, p95 ${(pct(hlsSamples, 95) / 1000).toFixed(2)} s (target ≤ 6 s)`,
    );
    console.log(`per lesson: live ffmpeg (copy + 360p + 144p + audio) ${ffmpeg0.toFixed(1)} % of a core`);
    console.log(
      `mediasoup per viewer (SRTP, top layer): ${msPerViewer.toFixed(3)} % of a core → ${Math.round(100 / msPerViewer)} viewers per core (target ≥ 300)`,
    );
    result = {
      webrtc_p50_ms: Math.round(w50),
      webrtc_p95_ms: Math.round(w95),
      hls_latency_s: round2(hlsS),
      sfu_cpu_pct_per_viewer: Math.round(msPerViewer * 1000) / 1000,
      viewers_per_core: Math.round(100 / msPerViewer),
    };
  } finally {
    await browser.close();
    await svc.close();
  }
}

// ── Janus, the baseline: same camera, same kind of receivers ────────────────
{
  const ns = createNetns(work);
  const janus = new JanusSfu({
    dir: path.join(work, 'janus'),
    logger,
    rtpPortRange: { min: 46000, max: 46500 },
    iceEnforceList: ns.iceAddress,
    commandPrefix: ns.prefix,
  });
  await janus.start();
  const browser = await chromium.launch({
    executablePath: ns.chromiumWrapper,
    headless: true,
    args: [...RTC_CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'],
  });
  // The sinks live in the namespace too (Janus sends from inside it).
  const sinkProc = spawn(
    ns.prefix[0]!,
    [
      ...ns.prefix.slice(1),
      process.execPath,
      '-e',
      `const d=require('dgram');let n=0;for(let i=0;i<${RECEIVERS * 4};i++){const s=d.createSocket('udp4');s.on('message',()=>n++);s.bind(31000+i,'127.0.0.1');}process.stdin.on('data',()=>console.log(n));`,
    ],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  /** Packets the namespace's sinks have received so far. */
  const janusPackets = () =>
    new Promise<number>((resolve) => {
      sinkProc.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim().split('\n').at(-1))));
      sinkProc.stdin!.write('\n');
    });
  try {
    await janus.ensureRoom({
      id: 'bench-janus',
      description: 'bench',
      maxPublishers: 1,
      videoCodec: 'h264',
      bitrate: 1_500_000,
      keyframeEverySec: 2,
    });
    const pub = await benchPage(browser, 'https://skyclass.test');
    const offer = (await pub.evaluate('window.janusPublish()')) as string;
    const { answer } = await janus.publish(
      'bench-janus',
      { id: 'bench-teacher', display: 'bench' },
      { type: 'offer', sdp: offer },
    );
    await pub.evaluate(
      (sdp) => (window as never as { janusAnswer: (s: string) => Promise<void> }).janusAnswer(sdp),
      answer.sdp,
    );
    await sleep(5000);
    const pid = janus.supervisor!.current!.pid!;
    console.log(`Janus: the same publisher only, then with ${RECEIVERS} SRTP receivers…`);
    const j0 = await processCpuPct(pid, WINDOW_MS);
    const key = crypto.randomBytes(30).toString('base64');
    for (let i = 0; i < RECEIVERS; i++)
      await janus.forwardSrtp('bench-janus', 'bench-teacher', '127.0.0.1', 31000 + i * 4, key);
    await sleep(3000);
    const p0 = await janusPackets();
    const jN = await processCpuPct(pid, WINDOW_MS);
    const jGot = (await janusPackets()) - p0;
    const janusPerViewer = (jN - j0) / RECEIVERS;
    console.log(
      `  0 receivers: ${j0.toFixed(1)} %; ${RECEIVERS}: ${jN.toFixed(1)} % of a core (${jGot} packets reached the sinks in the window)`,
    );
    console.log(
      `Janus per viewer (SRTP): ${janusPerViewer.toFixed(3)} % of a core → ${Math.round(100 / janusPerViewer)} viewers per core`,
    );
    result.janus_cpu_pct_per_viewer = Math.round(janusPerViewer * 1000) / 1000;
  } finally {
    sinkProc.kill();
    await browser.close();
    await janus.stop();
    ns.remove();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

console.log(
  JSON.stringify({
    bench: 'live',
    sfu: 'mediasoup',
    webrtc_p50_ms: result.webrtc_p50_ms,
    webrtc_p95_ms: result.webrtc_p95_ms,
    hls_latency_s: result.hls_latency_s,
    sfu_cpu_pct_per_viewer: result.sfu_cpu_pct_per_viewer,
    viewers_per_core: result.viewers_per_core,
    janus_cpu_pct_per_viewer: result.janus_cpu_pct_per_viewer,
  }),
);
process.exit(0);
