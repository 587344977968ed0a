/**
 * WebRTC through Janus as Skyclass runs it: headless Chromium publishes its
 * fake camera and microphone (H.264 + Opus) into a lesson room, and three
 * subscriber pages decode the video and receive the audio. Everything runs
 * in a private network namespace (see helpers/netns.ts); the SDP goes
 * through the Sfu interface exactly as the server brokers it.
 */
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JanusSfu } from '../../media/janus/JanusSfu.ts';
import type { Subscription } from '../../media/sfu/Sfu.ts';
import { testLogger } from '../helpers/logger.ts';
import { canCreateNetns, createNetns, type NetNs } from '../helpers/netns.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { RTC_CHROMIUM_ARGS, rtcPage, type Stats } from '../helpers/rtcPage.ts';

const cannot = canCreateNetns();
describe.skipIf(!!cannot)(`WebRTC through Janus${cannot ? ` (skipped: ${cannot})` : ''}`, () => {
  let ns: NetNs;
  let sfu: JanusSfu;
  let browser: Browser;
  const subs: Subscription[] = [];

  const newPage = () => rtcPage(browser);

  beforeAll(async () => {
    const dir = tmpDir('webrtc');
    ns = createNetns(dir);
    sfu = new JanusSfu({
      dir: path.join(dir, 'janus'),
      logger: testLogger(),
      rtpPortRange: { min: 42000, max: 42200 },
      iceEnforceList: ns.iceAddress,
      commandPrefix: ns.prefix,
    });
    await sfu.start();
    browser = await chromium.launch({
      executablePath: ns.chromiumWrapper,
      headless: true,
      args: RTC_CHROMIUM_ARGS,
    });
  }, 60_000);

  afterAll(async () => {
    for (const s of subs) await s.peer.close().catch(() => undefined);
    await browser?.close();
    await sfu?.stop();
    ns?.remove();
  });

  it('a publisher page sends H.264 + Opus and three subscriber pages decode video and receive audio', async () => {
    await sfu.ensureRoom({
      id: 'lesson-rtc',
      description: '三年级数学 直播',
      maxPublishers: 1,
      videoCodec: 'h264',
      bitrate: 1_200_000,
      keyframeEverySec: 2,
    });
    const teacher = await newPage();
    const offer = (await teacher.evaluate('window.publish()')) as string;
    const { peer, answer } = await sfu.publish(
      'lesson-rtc',
      { id: 'usr-teacher', display: '胡老师' },
      { type: 'offer', sdp: offer },
    );
    expect(answer.sdp).toMatch(/a=rtpmap:\d+ H264\/90000/);
    const up = new Promise<void>((r) => peer.once('up', () => r()));
    await teacher.evaluate(`window.answer(${JSON.stringify(answer.sdp)})`);
    await up;
    const sent = await waitFor(
      async () => {
        const s = (await teacher.evaluate('window.stats()')) as Stats;
        return s.framesSent > 25 ? s : undefined;
      },
      'the publisher to send frames',
      20_000,
    );
    expect(sent.videoCodec).toBe('video/H264');
    expect(await sfu.participants('lesson-rtc')).toEqual([
      { id: 'usr-teacher', display: '胡老师', publishing: true },
    ]);

    const viewers: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await newPage();
      const sub = await sfu.subscribe('lesson-rtc', 'usr-teacher');
      subs.push(sub);
      const ans = (await page.evaluate(`window.subscribe(${JSON.stringify(sub.offer.sdp)})`)) as string;
      await sub.start({ type: 'answer', sdp: ans });
      viewers.push(page);
    }
    for (const page of viewers) {
      const first = await waitFor(
        async () => {
          const s = (await page.evaluate('window.stats()')) as Stats;
          return s.framesDecoded > 10 && s.audioPackets > 10 ? s : undefined;
        },
        'a subscriber to decode video and receive audio',
        20_000,
      );
      expect(first.videoCodec).toBe('video/H264');
      // Still flowing: framesDecoded keeps rising.
      await new Promise((r) => setTimeout(r, 600));
      const later = (await page.evaluate('window.stats()')) as Stats;
      expect(later.framesDecoded).toBeGreaterThan(first.framesDecoded);
      expect(later.audioPackets).toBeGreaterThan(first.audioPackets);
    }
  }, 90_000);
});
