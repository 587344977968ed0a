/** Headless Debian Chromium through playwright-core, with the flags this machine needs (playwright gives each launch a fresh profile). */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { startTestService } from './service.ts';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/district/demoDistrict.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What headless Chromium needs on these machines (no sandbox as root, no calls home). */
export const BASE_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run "npm test" (it installs it) or apt-get install chromium`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...BASE_CHROMIUM_ARGS, ...extraArgs],
  });
}

/** What a live lesson page shows: the player's mode and state, and its message (for timeout errors). */
export function livePlayerSeen(page: Page): Promise<string> {
  return page
    .evaluate(() => {
      const stage = document.querySelector('[data-testid=live-player]') as HTMLElement | null;
      const says = document.querySelector('[data-testid=live-messages]')?.textContent ?? '';
      return `player mode=${stage?.dataset.mode} state=${stage?.dataset.state} says "${says}"`;
    })
    .catch(() => 'the page is gone');
}

/**
 * Waits until the video element has decoded `more` frames from now. Chromium counts a video's frames
 * from 0 again whenever its srcObject changes (a WebRTC viewer rejoining after an SFU restart gets a
 * new stream), so the count is summed across such restarts instead of compared with one reading.
 */
export async function framesDecoded(
  page: Page,
  more: number,
  timeoutMs: number,
  selector = '[data-testid=live-video]',
): Promise<void> {
  const key = `__framesSeen_${Math.random().toString(36).slice(2)}`;
  await page
    .waitForFunction(
      ({ selector, more, key }) => {
        const n =
          (document.querySelector(selector) as HTMLVideoElement | null)?.getVideoPlaybackQuality()
            .totalVideoFrames ?? 0;
        const seen = window as unknown as Record<string, { last: number; total: number } | undefined>;
        const s = (seen[key] ??= { last: n, total: 0 });
        s.total += n >= s.last ? n - s.last : n; // fewer than last time: a new stream, counted from 0
        s.last = n;
        return s.total > more;
      },
      { selector, more, key },
      { timeout: timeoutMs, polling: 100 },
    )
    .catch(async (err: Error) => {
      // Say what the page showed (frames seen, the player's state and message), not only "timeout".
      const frames = await page
        .evaluate(
          (key) => (window as unknown as Record<string, { total: number } | undefined>)[key]?.total ?? 0,
          key,
        )
        .catch(() => 0);
      const seen = `${frames} frames decoded; ${await livePlayerSeen(page)}`;
      throw new Error(`${err.message.split('\n')[0]}: waiting for ${more} more frames (${seen})`);
    });
}

/** Opens the web app and submits the login form (the caller waits for what it expects next). */
export async function submitLogin(
  page: Page,
  baseUrl: string,
  username: string,
  password = DEMO_PASSWORD,
): Promise<void> {
  await page.goto(baseUrl + '/');
  await page.waitForSelector('[data-testid=username]');
  await page.fill('[data-testid=username]', username);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=login]');
}

/** A fresh context (a phone-sized one when asked), signed in as `username` and on its home page. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  username: string,
  o: { phone?: boolean; contexts?: BrowserContext[] } = {},
): Promise<Page> {
  const ctx = await browser.newContext(
    o.phone
      ? {
          viewport: { width: 390, height: 844 },
          isMobile: true,
          hasTouch: true,
          deviceScaleFactor: 2,
          acceptDownloads: true,
        }
      : { viewport: { width: 1280, height: 860 }, acceptDownloads: true },
  );
  o.contexts?.push(ctx);
  const page = await ctx.newPage();
  page.on('dialog', (d) => void d.accept());
  await submitLogin(page, baseUrl, username);
  await page.waitForSelector('[data-testid^=home-]');
  return page;
}

/** Where e2e tests leave their screenshots. */
export const SHOTS = path.resolve('.tmp/screenshots');

/**
 * One service (the demo district) and one Chromium for an e2e file, both closed after it:
 * `suite.svc`, `suite.browser`, and `suite.signIn(username, phone?)` for a signed-in page.
 * Further beforeAll hooks of the file run after these have started.
 */
export function browserSuite(o: { env?: Record<string, string>; chromiumArgs?: string[] } = {}) {
  let svc: RunningService | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    if (!fs.existsSync('web-player/dist/index.html'))
      throw new Error('web-player is not built: run "npm run build" first (npm test does it)');
    fs.mkdirSync(SHOTS, { recursive: true });
    [svc, browser] = await Promise.all([startTestService(o.env), launchChromium(o.chromiumArgs)]);
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await svc?.close();
  });
  return {
    get svc(): RunningService {
      if (!svc) throw new Error('the service is not started yet (use it inside tests or later hooks)');
      return svc;
    },
    get browser(): Browser {
      if (!browser) throw new Error('Chromium is not started yet');
      return browser;
    },
    signIn: (username: string, phone = false): Promise<Page> =>
      signedInPage(browser!, svc!.url, username, { phone, contexts }),
  };
}
