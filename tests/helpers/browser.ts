/** Headless Debian Chromium through playwright-core, with the flags this machine needs (playwright gives each launch a fresh profile). */
import fs from 'node:fs';
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
