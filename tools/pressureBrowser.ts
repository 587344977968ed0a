/**
 * The pressure tool's real browsers (headless Chromium through playwright-core):
 *   --teach   a lead teacher signs in, creates a live lesson for their grade and
 *             broadcasts Chromium's fake camera and microphone from the studio
 *             page, for the whole run (so a district can load live lessons
 *             without a person in front of a camera); a live lesson goes live
 *             only in its timetable slot, so a district admin (--admin) allows
 *             it as an unscheduled drill, with a reason the audit log keeps;
 *   --webrtc N students watch that lesson (or --live-lesson ID) in the web
 *             app over WebRTC; each page's time to its first picture is
 *             recorded, then every 5 s whether pictures still arrive.
 * Everything is done through the web app's own pages, as people do.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export interface BrowserSideOptions {
  base: string;
  chromiumPath: string;
  teacher?: { username: string; password: string; grade: number };
  /** The district admin who starts the teacher's drill lesson outside the timetable (audited). */
  admin?: { username: string; password: string };
  liveLessonId?: string;
  viewers: { username: string; password: string }[];
  /** A WebRTC viewer's time to its first picture (ms), or an error. */
  record: (ms: number | undefined, error?: string) => void;
  running: () => boolean;
  log: (msg: string) => void;
}

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
];

async function signIn(browser: Browser, base: string, username: string, password: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 720 } });
  const page = await ctx.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${base}/`);
  await page.waitForSelector('[data-testid=username]', { timeout: 30_000 });
  await page.fill('[data-testid=username]', username);
  await page.fill('[data-testid=password]', password);
  await page.click('[data-testid=login]');
  await page.waitForSelector('[data-testid^=home-]', { timeout: 30_000 });
  return page;
}

/** A district admin allows the lesson outside the timetable (a drill is on no slot); the reason is audited. */
async function allowAsDrill(base: string, admin: { username: string; password: string }, id: string) {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(admin),
  });
  if (!login.ok) throw new Error(`signing in as ${admin.username} failed: ${login.status}`);
  const { token } = (await login.json()) as { token: string };
  const r = await fetch(`${base}/api/live/${id}/allow-outside-slot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ reason: '压力测试（pressure drill）' }),
  });
  if (!r.ok)
    throw new Error(`allowing the drill lesson as ${admin.username} failed: ${r.status} ${await r.text()}`);
}

const frames = (page: Page) =>
  page.evaluate(
    () =>
      (
        document.querySelector('[data-testid=live-video]') as HTMLVideoElement | null
      )?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
  );

export async function startBrowserSide(
  o: BrowserSideOptions,
): Promise<{ liveId?: string; close(): Promise<void> }> {
  if (!fs.existsSync(o.chromiumPath))
    throw new Error(`Chromium not found at ${o.chromiumPath} (apt-get install chromium, or --chromium PATH)`);
  const browser = await chromium.launch({ executablePath: o.chromiumPath, headless: true, args: ARGS });
  let liveId = o.liveLessonId;
  const loops: Promise<void>[] = [];
  try {
    if (o.teacher) {
      const page = await signIn(browser, o.base, o.teacher.username, o.teacher.password);
      // The page's own session creates the lesson (as the "new live lesson" form does).
      const created = await page.evaluate(
        async ({ grade }) => {
          const token = localStorage.getItem('skyclass.token');
          const r = await fetch('/api/live', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({
              title: `压力测试直播 ${new Date().toLocaleTimeString()}`,
              grade,
              subject: '数学',
            }),
          });
          return { status: r.status, body: (await r.json()) as { lesson?: { id: string } } };
        },
        { grade: o.teacher.grade },
      );
      if (!created.body.lesson) throw new Error(`creating the live lesson failed: ${created.status}`);
      liveId = created.body.lesson.id;
      if (o.admin) await allowAsDrill(o.base, o.admin, liveId);
      await page.goto(`${o.base}/#/studio/${liveId}`);
      await page.waitForFunction(
        () =>
          ((document.querySelector('[data-testid=preview]') as HTMLVideoElement | null)?.videoWidth ?? 0) > 0,
        undefined,
        { timeout: 30_000 },
      );
      await page.click('[data-testid=go-live]');
      await page.waitForSelector('[data-testid=studio-state][data-state="live.live"]', { timeout: 30_000 });
      // Students are sent to it once its live HLS is up (a few seconds after going live).
      const hlsUp = () =>
        page.evaluate(async (id) => {
          const token = localStorage.getItem('skyclass.token');
          const r = await fetch(`/api/live/${id}/playback`, {
            headers: { authorization: `Bearer ${token}` },
          });
          return r.ok;
        }, liveId);
      for (let i = 0; !(await hlsUp()); i++) {
        if (i >= 60) throw new Error(`the live lesson's HLS did not start within 60 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      o.log(`teacher ${o.teacher.username} is live: lesson ${liveId}`);
    }
    if (o.viewers.length && !liveId) throw new Error('--webrtc needs --teach or --live-lesson ID');
    for (const v of o.viewers) {
      loops.push(
        (async () => {
          const start = Date.now();
          try {
            const page = await signIn(browser, o.base, v.username, v.password);
            await page.goto(`${o.base}/#/live/${liveId}?mode=webrtc`);
            await page.waitForSelector('[data-testid=live-player][data-state=playing][data-mode=webrtc]', {
              timeout: 60_000,
            });
            o.record(Date.now() - start);
            let last = await frames(page);
            while (o.running()) {
              await new Promise((r) => setTimeout(r, 5000));
              const now = await frames(page);
              if (now <= last) o.record(undefined, `WebRTC viewer ${v.username}: no new pictures in 5 s`);
              last = now;
            }
          } catch (err) {
            o.record(undefined, `WebRTC viewer ${v.username}: ${(err as Error).message.split('\n')[0]}`);
          }
        })(),
      );
      await new Promise((r) => setTimeout(r, 500)); // pages join one after another, as people do
    }
  } catch (err) {
    await browser.close();
    throw err;
  }
  return {
    liveId,
    async close() {
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 10_000))]);
      await browser.close();
    },
  };
}
