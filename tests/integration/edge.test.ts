/**
 * The edge as deployed (infra/nginx/lb.conf.template, rendered by render.mjs) in
 * front of a real Skyclass instance, run with Debian's nginx: replay, live and
 * channel HLS are cached once for every viewer, private HLS is still checked
 * per request (viewing-pass cookie, auth_request), sign-out and a withdrawn
 * lesson take effect within 60 s, path tricks cannot make the checked path
 * differ from the served one, and no pass reaches the access log.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLb } from '../../infra/nginx/render.mjs';
import type { RunningService } from '../../server/Service.ts';
import { LiveStore } from '../../server/live/LiveStore.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { publishShortDay, readyLesson } from '../helpers/channelDay.ts';
import { clip } from '../helpers/fixtures.ts';
import { freePort, startProc, tail, type Proc } from '../helpers/procs.ts';
import { startTestService } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';

let svc: RunningService;
let nginx: Proc;
let edge: string;
let accessLog: string;
let lessonId: string;
let liveId: string;
let student: ApiClient;
let admin: ApiClient;

/** A request with the path exactly as given (fetch would resolve dot segments first). */
function rawGet(url: string, rawPath: string, cookie?: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: u.port, path: rawPath, headers: cookie ? { cookie } : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('error', reject);
  });
}

const status = (r: Response) => r.headers.get('x-cache-status');

beforeAll(async () => {
  svc = await startTestService({ TRUST_PROXY: 'true' });
  const dir = tmpDir('edge');
  const port = await freePort();
  edge = `http://127.0.0.1:${port}`;
  accessLog = path.join(dir, 'access.log');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    renderLb({
      prefix: dir,
      listen: `127.0.0.1:${port}`,
      apis: [svc.url.replace('http://', '')],
      user: process.getuid?.() === 0 ? 'root root' : undefined,
      cacheSize: '256m',
      accessLog,
    }),
  );
  nginx = startProc(
    'nginx',
    '/usr/sbin/nginx',
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    {
      logDir: dir,
    },
  );
  await waitFor(
    async () => (await fetch(`${edge}/readyz`).catch(() => undefined))?.ok,
    `nginx (${tail(nginx)})`,
    20_000,
  );
  lessonId = await readyLesson(svc.url, clip({ seconds: 12, name: 'edge_12s.mp4' }), '边缘缓存测试');
  admin = await ApiClient.as(edge, 'admin');
  student = await ApiClient.as(edge, 's1-g3-1-01');
  // A live lesson of grade 3 whose HLS sits in storage as the live pipeline writes it.
  liveId = LiveStore.newId();
  const now = new Date().toISOString();
  await svc.core.live.create({
    id: liveId,
    title: '直播',
    grade: 3,
    subject: '数学',
    teacherId: 'x',
    teacherName: 'x',
    status: 'live',
    roomId: `lesson-${liveId.slice(5)}`,
    createdAt: now,
    updatedAt: now,
  });
  await svc.core.storage.put(`live/${liveId}/master.m3u8`, '#EXTM3U\n', {
    contentType: 'application/vnd.apple.mpegurl',
  });
}, 240_000);

afterAll(async () => {
  await nginx?.kill('SIGQUIT');
  await svc?.close();
});

describe('the HLS cache at the edge', () => {
  it('serves a replay to a whole grade from one cached copy, with each viewer’s pass checked', async () => {
    const other = await ApiClient.as(edge, 's1-g3-2-01');
    for (const c of [student, other]) await c.get(`/api/lessons/${lessonId}/playback`);
    const seg = `/vod/${lessonId}/360p/seg_00001.m4s`;
    const a = await student.media(seg);
    expect(a.status).toBe(200);
    expect(status(a)).toBe('MISS');
    const bytes = (await a.arrayBuffer()).byteLength;
    const b = await other.media(seg);
    expect(b.status).toBe(200);
    expect(status(b)).toBe('HIT'); // another user, the same copy: nothing per user in the cache key
    expect((await b.arrayBuffer()).byteLength).toBe(bytes);
    // A byte range is answered from the cached copy.
    const part = await other.media(seg, { range: 'bytes=0-99' });
    expect(part.status).toBe(206);
    expect(status(part)).toBe('HIT');
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    // Still private: no pass, a forged pass, another grade's student.
    const none = await fetch(edge + seg);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('AUTH_REQUIRED');
    expect((await fetch(edge + seg, { headers: { cookie: 'skyclass_hls=1.usr_x.s.AAAA' } })).status).toBe(
      401,
    );
    const g4 = await ApiClient.as(edge, 's1-g4-1-01');
    await g4.post('/api/hls/access');
    expect((await g4.media(seg)).status).toBe(403);
    // The segment's cache policy: immutable; the cookie is never stored with it.
    expect(b.headers.get('cache-control')).toContain('immutable');
    expect(b.headers.get('set-cookie')).toBeNull();
  });

  it('asks the origin once for a segment many players want at the same moment (proxy_cache_lock)', async () => {
    const seg = `/vod/${lessonId}/144p/seg_00002.m4s`;
    const before = fs.readFileSync(accessLog, 'utf8').length;
    const answers = await Promise.all(Array.from({ length: 40 }, () => student.media(seg)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500)); // the access log is flushed every second
    const lines = fs
      .readFileSync(accessLog, 'utf8')
      .slice(before)
      .split('\n')
      .filter((l) => l.includes(seg));
    expect(lines).toHaveLength(40);
    expect(lines.filter((l) => /cache=(MISS|EXPIRED)/.test(l))).toHaveLength(1);
  });

  it('keeps a live playlist about a second, and refuses path tricks that could check one lesson and serve another', async () => {
    await student.get(`/api/live/${liveId}/playback`);
    const pl = `/live-hls/${liveId}/source/index.m3u8`;
    const put = (n: number) =>
      svc.core.storage.put(`live/${liveId}/source/index.m3u8`, `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:${n}\n`, {
        contentType: 'application/vnd.apple.mpegurl',
      });
    await put(1);
    expect(await (await student.media(pl)).text()).toContain('SEQUENCE:1');
    await put(2);
    const cached = await student.media(pl);
    expect(await cached.text()).toContain('SEQUENCE:1'); // within its second
    await waitFor(
      async () => (await (await student.media(pl)).text()).includes('SEQUENCE:2'),
      'the new playlist',
      4000,
      300,
    );

    const pass = `skyclass_hls=${student.hlsPass}`;
    const g4Lesson = `/vod/${lessonId}/master.m3u8`;
    for (const trick of [
      `/live-hls/${liveId}/../../vod/${lessonId}/master.m3u8`,
      `/live-hls/${liveId}/%2e%2e/%2e%2e${g4Lesson}`,
      `/live-hls/${liveId}//source/index.m3u8`,
    ])
      expect(await rawGet(edge, trick, pass)).toBe(400);
  });

  it('channels are public TV: cached, no pass needed', async () => {
    await publishShortDay(admin, 3, [lessonId], { count: 3, lessonSec: 20, breakSec: 5, leadSec: 0 });
    const url = `${edge}/channels/grade-3/360p/index.m3u8`;
    const first = await waitFor(
      async () => {
        const r = await fetch(url);
        return r.status === 200 ? r : undefined;
      },
      'the channel playlist',
      30_000,
      500,
    );
    const text = await first.text();
    const seg = text.split('\n').find((l) => l.endsWith('.m4s'))!;
    const segUrl = new URL(seg, url).href;
    expect((await fetch(segUrl)).status).toBe(200);
    const again = await fetch(segUrl);
    expect(again.status).toBe(200);
    expect(status(again)).toBe('HIT');
  });

  it('sign-out and a withdrawn lesson stop playlist fetches through the edge within 60 s', async () => {
    const leaving = await ApiClient.as(edge, 's1-g3-1-02');
    const watching = await ApiClient.as(edge, 's1-g3-2-02');
    const master = `/vod/${lessonId}/master.m3u8`;
    for (const c of [leaving, watching]) {
      await c.get(`/api/lessons/${lessonId}/playback`);
      expect((await c.media(master)).status).toBe(200);
    }
    const oldPass = leaving.hlsPass!;
    await leaving.post('/api/auth/logout');
    expect(leaving.hlsPass).toBeUndefined(); // the cookie is cleared…
    const t0 = Date.now();
    await waitFor(
      async () =>
        (await fetch(edge + master, { headers: { cookie: `skyclass_hls=${oldPass}` } })).status === 401,
      'a signed-out pass refused', // …and a copy of it stops working
      60_000,
      1000,
    );
    const signOutS = (Date.now() - t0) / 1000;
    await admin.post(`/api/lessons/${lessonId}/review`, { decision: 'rejected', note: '内容有误' });
    const t1 = Date.now();
    await waitFor(
      async () => (await watching.media(master)).status === 403,
      'a withdrawn lesson refused',
      60_000,
      1000,
    );
    const withdrawS = (Date.now() - t1) / 1000;
    console.log(
      `through the edge: sign-out effective after ${signOutS} s, a withdrawn lesson after ${withdrawS} s`,
    );
    expect(signOutS).toBeLessThan(60);
    expect(withdrawS).toBeLessThan(60);
    await admin.post(`/api/lessons/${lessonId}/review`, { decision: 'approved' });
  }, 150_000);

  it('never writes a viewing pass or a session token into the access log', async () => {
    await new Promise((r) => setTimeout(r, 1200));
    const log = fs.readFileSync(accessLog, 'utf8');
    expect(log).toContain(`/vod/${lessonId}/`);
    expect(log).not.toContain('skyclass_hls');
    expect(log).not.toContain(student.hlsPass!);
    expect(log).not.toContain(student.token!);
  });
});
