/**
 * A bare WebRTC test page for Chromium: publish the fake camera and mic
 * (H.264 preferred, Opus), subscribe from an offer, read inbound/outbound
 * stats. Served through playwright routing on an https origin, so it is a
 * secure context (getUserMedia) without any network.
 */
import type { Browser, Page } from 'playwright-core';
import { BASE_CHROMIUM_ARGS } from './browser.ts';

export const ORIGIN = 'https://skyclass.test'; // routed inside playwright: a secure context without any network

export const PAGE = `<!doctype html><meta charset="utf-8"><title>rtc</title><video id=v autoplay muted playsinline></video>
<script>
async function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((r) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r()));
}
window.publish = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 25 } });
  const pc = (window.pc = new RTCPeerConnection());
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
  const vt = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' });
  const codecs = RTCRtpSender.getCapabilities('video').codecs;
  const h264 = codecs.filter((c) => c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine || '') && /profile-level-id=42e01f/.test(c.sdpFmtpLine || ''));
  vt.setCodecPreferences([...h264, ...codecs.filter((c) => c.mimeType !== 'video/H264')]);
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.subscribe = async (offer) => {
  const pc = (window.pc = new RTCPeerConnection());
  pc.ontrack = (e) => { if (e.track.kind === 'video') document.getElementById('v').srcObject = new MediaStream([e.track]); };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription.sdp;
};
window.answer = (sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp });
window.stats = async () => {
  const out = { framesDecoded: 0, audioPackets: 0, framesSent: 0, videoCodec: '', state: window.pc.connectionState };
  const s = await window.pc.getStats();
  s.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') { out.framesDecoded = r.framesDecoded || 0; out.videoCodec = (s.get(r.codecId) || {}).mimeType || ''; }
    if (r.type === 'inbound-rtp' && r.kind === 'audio') out.audioPackets = r.packetsReceived || 0;
    if (r.type === 'outbound-rtp' && r.kind === 'video') { out.framesSent = r.framesSent || 0; out.videoCodec = (s.get(r.codecId) || {}).mimeType || ''; }
  });
  return out;
};
</script>`;

export interface Stats {
  framesDecoded: number;
  audioPackets: number;
  framesSent: number;
  videoCodec: string;
  state: string;
}

export async function rtcPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
  await page.goto(`${ORIGIN}/`);
  return page;
}

export const RTC_CHROMIUM_ARGS = [
  ...BASE_CHROMIUM_ARGS,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];
