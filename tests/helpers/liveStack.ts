/**
 * What the WebRTC tests run on: a private network namespace, a Skyclass
 * instance with its managed Janus inside it, headless Chromium inside it,
 * and (for tests that use the web app) a bridge to the app. Closed in order.
 */
import { chromium, type Browser } from 'playwright-core';
import type { RunningService } from '../../server/Service.ts';
import { bridgeIntoNetns, createNetns, type NetNs } from './netns.ts';
import { RTC_CHROMIUM_ARGS } from './rtcPage.ts';
import { startTestService } from './service.ts';
import { tmpDir } from './tmp.ts';

export interface LiveStack {
  ns: NetNs;
  svc: RunningService;
  browser: Browser;
  /** The web app as seen from inside the namespace (with `bridgePort`). */
  bridge?: { url: string; close(): Promise<void> };
  close(): Promise<void>;
}

export async function startLiveStack(
  name: string,
  rtpPorts: string,
  o: { bridgePort?: number; chromiumArgs?: string[] } = {},
): Promise<LiveStack> {
  const dir = tmpDir(name);
  const ns = createNetns(dir);
  const svc = await startTestService(
    { SFU: 'janus', JANUS_ICE_ENFORCE_LIST: ns.iceAddress, JANUS_RTP_PORTS: rtpPorts },
    { janusCommandPrefix: ns.prefix },
  );
  const bridge = o.bridgePort
    ? await bridgeIntoNetns(ns, dir, { host: '127.0.0.1', port: Number(new URL(svc.url).port) }, o.bridgePort)
    : undefined;
  const browser = await chromium.launch({
    executablePath: ns.chromiumWrapper,
    headless: true,
    args: [...RTC_CHROMIUM_ARGS, ...(o.chromiumArgs ?? [])],
  });
  return {
    ns,
    svc,
    browser,
    bridge,
    async close() {
      await browser.close();
      await bridge?.close();
      await svc.close();
      ns.remove();
    },
  };
}
