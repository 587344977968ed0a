/**
 * What the WebRTC tests run on: a Skyclass instance with its managed
 * mediasoup (one worker, WebRTC on 127.0.0.1 — mediasoup accepts loopback,
 * so no network namespace is needed) and headless Chromium with a fake
 * camera and microphone. Closed in order.
 */
import type { Browser } from 'playwright-core';
import { BASE_CHROMIUM_ARGS, launchChromium } from './browser.ts';
import type { RunningService } from '../../server/Service.ts';
import { RTC_CHROMIUM_ARGS } from './rtcPage.ts';
import { startTestService } from './service.ts';

export interface LiveStack {
  svc: RunningService;
  browser: Browser;
  /** The web app's address. */
  url: string;
  close(): Promise<void>;
}

export async function startLiveStack(
  rtcPorts: string,
  o: { chromiumArgs?: string[]; env?: Record<string, string> } = {},
): Promise<LiveStack> {
  const svc = await startTestService({
    SFU: 'mediasoup',
    MEDIASOUP_WORKERS: '1',
    MEDIASOUP_RTC_PORTS: rtcPorts,
    ...o.env,
  });
  const browser = await launchChromium([
    ...RTC_CHROMIUM_ARGS.slice(BASE_CHROMIUM_ARGS.length),
    ...(o.chromiumArgs ?? []),
  ]);
  return {
    svc,
    browser,
    url: svc.url,
    async close() {
      await browser.close();
      await svc.close();
    },
  };
}
