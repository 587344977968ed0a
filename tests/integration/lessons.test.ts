/**
 * Recorded lessons end to end on the real stack: tus upload → ffprobe
 * validation → BullMQ job → one-pass ffmpeg ladder → storage → tokened
 * HLS, checked with ffprobe over HTTP like an external player would.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import {
  audioOnly,
  clip,
  cutAfterHeader,
  notMedia,
  playlistPointingAt,
  stillImageNamedMp4,
  truncated,
} from '../helpers/fixtures.ts';
import { startTestService } from '../helpers/service.ts';
import { tusErrorBody, tusUpload } from '../helpers/tusUpload.ts';
import { waitFor } from '../helpers/waitFor.ts';

const execFileP = promisify(execFile);

interface LessonView {
  id: string;
  status: string;
  review: string;
  error?: { code: string; message: string };
  renditions?: { name: string; bandwidth: number }[];
  durationSec?: number;
  progress?: { percent: number };
}

let svc: RunningService;
let url: string;
let teacher: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  svc = await startTestService({ LESSON_MAX_DURATION: '40s', TRANSCODE_ATTEMPTS: '2' });
  url = svc.url;
  [teacher, admin] = await Promise.all([ApiClient.as(url, 'lead-g3'), ApiClient.as(url, 'admin')]);
}, 120_000);
afterAll(async () => svc?.close());

async function upload(
  file: string,
  meta: Partial<Record<'title' | 'grade' | 'subject', string>> = {},
  who = teacher,
) {
  const r = await tusUpload(url, who.token!, file, {
    title: '分数的初步认识',
    grade: '3',
    subject: '数学',
    ...meta,
  });
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as { lessonId: string }).lessonId;
}

const lessonOf = async (id: string, who = teacher) =>
  (await who.get<{ lesson: LessonView }>(`/api/lessons/${id}`)).body.lesson;
const settled = (id: string) =>
  waitFor(
    async () => {
      const l = await lessonOf(id);
      return l.status === 'ready' || l.status === 'failed' ? l : undefined;
    },
    `lesson ${id} to finish processing`,
    120_000,
  );

/** ffprobe as an outside player would read the HLS; async, since the server runs in this process. */
async function ffprobeJson(
  target: string,
  pass?: string,
): Promise<{
  streams: { codec_type: string; width?: number; height?: number }[];
  format: { duration: string };
}> {
  const { stdout } = await execFileP(
    'ffprobe',
    [
      '-v',
      'error',
      // The viewing pass, as a browser sends it (ffmpeg sends it with every playlist and segment request).
      ...(pass ? ['-headers', `Cookie: skyclass_hls=${pass}\r\n`] : []),
      '-print_format',
      'json',
      '-show_streams',
      '-show_format',
      target,
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(stdout);
}

describe('upload → transcode → replay', () => {
  let lessonId: string;
  let socket: Socket;
  const pushed: LessonView[] = [];

  beforeAll(async () => {
    socket = io(url, { path: '/socket.io', auth: { token: teacher.token }, transports: ['websocket'] });
    socket.on('lesson:update', (e: LessonView) => pushed.push(e));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  });
  afterAll(() => socket?.close());

  it('a lead teacher uploads a clip through tus; it becomes a ready lesson with progress pushed live', async () => {
    const file = clip({ seconds: 14, width: 854, height: 480 });
    lessonId = await upload(file);
    const l = await settled(lessonId);
    expect(l.error).toBeUndefined();
    expect(l.status).toBe('ready');
    expect(l.review).toBe('pending');
    expect(l.durationSec).toBeCloseTo(14, 0);
    expect(l.renditions!.map((r) => r.name)).toEqual(['480p', '360p', '144p', 'audio']);
    const mine = pushed.filter((e) => e.id === lessonId);
    expect(mine.some((e) => e.status === 'processing' && (e.progress?.percent ?? 0) > 0)).toBe(true);
    expect(mine.at(-1)!.status).toBe('ready');
    // The original is kept.
    expect(fs.existsSync(svc.core.storage.localPath!(`originals/${lessonId}/source`))).toBe(true);
  });

  it('publishes a master playlist with every attribute players need, and renditions ffprobe can read over HTTP', async () => {
    const pb = (
      await teacher.get<{ masterUrl: string; audioOnlyUrl: string; posterUrl: string }>(
        `/api/lessons/${lessonId}/playback`,
      )
    ).body;
    const res = await teacher.media(pb.masterUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const master = await res.text();
    const variants = master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF'));
    expect(variants).toHaveLength(4); // 3 video + audio-only
    for (const v of variants.slice(0, 3)) {
      expect(v).toMatch(
        /BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",RESOLUTION=\d+x\d+,FRAME-RATE=25\.000,AUDIO="aud"/,
      );
    }
    expect(variants[3]).toMatch(
      /^#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,CODECS="mp4a\.40\.2"$/,
    );
    expect(master).toContain('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud"');
    const low = variants.find((v) => v.includes('RESOLUTION=256x144'))!;
    const lowBandwidth = Number(/AVERAGE-BANDWIDTH=(\d+)/.exec(low)![1]);
    expect(lowBandwidth).toBeGreaterThan(100_000);
    expect(lowBandwidth).toBeLessThan(200_000);

    const base = url + pb.masterUrl.replace(/master\.m3u8$/, '');
    const segmentLists: number[][] = [];
    for (const [name, h] of [
      ['480p', 480],
      ['360p', 360],
      ['144p', 144],
    ] as const) {
      const probe = await ffprobeJson(`${base}${name}/index.m3u8`, teacher.hlsPass);
      expect(probe.streams.find((s) => s.codec_type === 'video')?.height).toBe(h);
      const playlist = await (await teacher.media(`${base}${name}/index.m3u8`)).text();
      expect(playlist).toContain('#EXT-X-ENDLIST');
      expect(playlist).toContain('#EXT-X-MAP:URI="init.mp4"');
      segmentLists.push([...playlist.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1])));
    }
    // Keyframes aligned: every rendition is cut into the same segments.
    expect(segmentLists[1]).toEqual(segmentLists[0]);
    expect(segmentLists[2]).toEqual(segmentLists[0]);
    expect(Math.max(...segmentLists[0]!.slice(0, -1))).toBeLessThanOrEqual(6);
    expect(Math.min(...segmentLists[0]!.slice(0, -1))).toBeGreaterThanOrEqual(4);
    const audio = await ffprobeJson(url + pb.audioOnlyUrl, teacher.hlsPass);
    expect(audio.streams.map((s) => s.codec_type)).toEqual(['audio']);

    const seg = await teacher.media(`${base}480p/seg_00001.m4s`, { range: 'bytes=0-99' });
    expect(seg.status).toBe(206);
    expect(seg.headers.get('content-type')).toBe('video/iso.segment');
    expect(seg.headers.get('cache-control')).toContain('immutable');
    const poster = await teacher.media(pb.posterUrl);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
  });

  it('only approved lessons reach students, and only those of the grade', async () => {
    const student3 = await ApiClient.as(url, 's1-g3-1-01');
    const student4 = await ApiClient.as(url, 's1-g4-1-01');
    expect((await student3.get(`/api/lessons/${lessonId}`)).body.error?.code).toBe('FORBIDDEN_SCOPE');
    expect((await student3.get<{ lessons: unknown[] }>('/api/lessons')).body.lessons).toHaveLength(0);
    const review = await admin.post<{ lesson: LessonView }>(`/api/lessons/${lessonId}/review`, {
      decision: 'approved',
    });
    expect(review.body.lesson.review).toBe('approved');
    const list = await student3.get<{ lessons: { id: string }[] }>('/api/lessons?grade=3&subject=数学');
    expect(list.body.lessons.map((l) => l.id)).toEqual([lessonId]);
    expect((await student4.get(`/api/lessons/${lessonId}`)).body.error?.code).toBe('FORBIDDEN_SCOPE');
    const pb = await student3.get<{ masterUrl: string; position: number }>(
      `/api/lessons/${lessonId}/playback`,
    );
    expect(pb.body.position).toBe(0);
    expect((await student3.media(pb.body.masterUrl)).status).toBe(200);
    // Resume: the position is remembered per student.
    await student3.request('PUT', `/api/lessons/${lessonId}/position`, { seconds: 7.5 });
    expect(
      (await student3.get<{ position: number }>(`/api/lessons/${lessonId}/playback`)).body.position,
    ).toBe(7.5);
    // A student cannot review.
    expect(
      (await student3.post(`/api/lessons/${lessonId}/review`, { decision: 'rejected' })).body.error?.code,
    ).toBe('FORBIDDEN_ROLE');
  });

  it('serves one URL to every viewer and checks the viewing pass: none, forged, another grade, path tricks', async () => {
    const pb = (await teacher.get<{ masterUrl: string }>(`/api/lessons/${lessonId}/playback`)).body;
    const student3 = await ApiClient.as(url, 's1-g3-1-02');
    const other = (await student3.get<{ masterUrl: string }>(`/api/lessons/${lessonId}/playback`)).body;
    expect(other.masterUrl).toBe(pb.masterUrl); // cacheable: nothing per user in the URL
    expect(pb.masterUrl).toBe(`/vod/${lessonId}/master.m3u8`);
    const none = await fetch(url + pb.masterUrl);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/Sign in/);
    const forged = await fetch(url + pb.masterUrl, {
      headers: { cookie: `skyclass_hls=${teacher.hlsPass!.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
    // A grade-4 student's own valid pass does not open a grade-3 lesson.
    const student4 = await ApiClient.as(url, 's1-g4-1-02');
    expect((await student4.media(pb.masterUrl)).status).toBe(403);
    expect((await teacher.media(`/vod/les_0000000000000000/master.m3u8`)).status).toBe(403);
    const trick = await teacher.media(
      pb.masterUrl.replace('master.m3u8', '..%2f..%2foriginals%2fx%2fsource.mp4'),
    );
    expect([400, 404]).toContain(trick.status);
    // The pass is renewed on demand and never put in a URL.
    const renewed = await student3.post<{ expiresAt: string }>('/api/hls/access');
    expect(Date.parse(renewed.body.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(renewed.headers.getSetCookie().join()).toMatch(/skyclass_hls=.*HttpOnly/);
  });

  it('sign-out, a switched-off account and a rejected lesson stop playlist fetches within the gate cache (10 s)', async () => {
    const [a, b] = [await ApiClient.as(url, 's1-g3-2-01'), await ApiClient.as(url, 's1-g3-2-02')];
    const master = `/vod/${lessonId}/master.m3u8`;
    for (const c of [a, b]) {
      await c.get(`/api/lessons/${lessonId}/playback`);
      expect((await c.media(master)).status).toBe(200);
    }
    const passA = a.hlsPass!;
    await a.post('/api/auth/logout');
    const bId = (await b.get<{ user: { id: string } }>('/api/me')).body.user.id;
    expect((await admin.put(`/api/users/${bId}/disabled`, { disabled: true })).status).toBe(200);
    const t0 = Date.now();
    await waitFor(
      async () =>
        (await fetch(url + master, { headers: { cookie: `skyclass_hls=${passA}` } })).status === 401 &&
        (await b.media(master)).status === 401,
      'signed-out and switched-off passes refused',
      15_000,
      500,
    );
    expect(Date.now() - t0).toBeLessThan(12_000);
    await admin.put(`/api/users/${bId}/disabled`, { disabled: false });
    // Withdrawn: the district rejects the lesson after all; a watching student's fetches stop.
    const c = await ApiClient.as(url, 's2-g3-1-01');
    await c.get(`/api/lessons/${lessonId}/playback`);
    expect((await c.media(master)).status).toBe(200);
    await admin.post(`/api/lessons/${lessonId}/review`, { decision: 'rejected', note: 'wrong chapter' });
    const t1 = Date.now();
    await waitFor(async () => (await c.media(master)).status === 403, 'rejected lesson refused', 15_000, 500);
    expect(Date.now() - t1).toBeLessThan(12_000);
    expect((await admin.post(`/api/lessons/${lessonId}/review`, { decision: 'approved' })).status).toBe(200);
  });
});

describe('bad uploads fail cleanly', () => {
  it.each([
    ['not a media file', () => notMedia(), 'MEDIA_NOT_MEDIA'],
    ['no video stream', () => audioOnly(), 'MEDIA_NO_VIDEO'],
    ['truncated', () => truncated(), 'MEDIA_CORRUPT'],
    ['cut just after its header (moov)', () => cutAfterHeader(), 'MEDIA_CORRUPT'],
    ['a still image named .mp4', () => stillImageNamedMp4(), 'MEDIA_NO_VIDEO'],
    [
      'an HLS playlist naming a file on the server',
      () => playlistPointingAt(path.resolve(clip({ seconds: 3 }))),
      'MEDIA_NOT_MEDIA',
    ],
    ['longer than the limit', () => clip({ seconds: 45, width: 160, height: 90, fps: 10 }), 'MEDIA_TOO_LONG'],
  ])('%s → %s, with a readable message, and the worker goes on', async (_what, file, code) => {
    const id = await upload(file());
    const l = await settled(id);
    expect(l.status).toBe('failed');
    expect(l.error?.code).toBe(code);
    expect(l.error?.message.length).toBeGreaterThan(20);
    // Never a server path, never a promise of a retry that will not happen.
    expect(l.error?.message).not.toContain(svc.core.config.dataDir);
    expect(l.error?.message).not.toMatch(/\/(?:tmp|work|data|storage|originals|root|home)\//);
    expect(l.error?.message).not.toMatch(/retr(y|ied) automatically|will be retried|trying again/i);
  });

  it('zero bytes is refused at creation with MEDIA_EMPTY', async () => {
    const empty = '.tmp/fixtures/empty.mp4';
    fs.writeFileSync(empty, '');
    const err = await tusUpload(url, teacher.token!, empty, {
      title: 'x',
      grade: '3',
      subject: '数学',
    }).catch((e: unknown) => e);
    const { status, body } = tusErrorBody(err);
    expect(status).toBe(400);
    expect(body).toContain('empty (0 bytes)');
  });

  it('students cannot upload; lead teachers only for their grades; metadata is checked', async () => {
    const file = clip({ seconds: 2, width: 160, height: 90, fps: 10 });
    const student = await ApiClient.as(url, 's1-g3-1-02');
    const e1 = tusErrorBody(
      await tusUpload(url, student.token!, file, { title: 'x', grade: '3', subject: '数学' }).catch(
        (e: unknown) => e,
      ),
    );
    expect(e1.status).toBe(403);
    expect(JSON.parse(e1.body).error.code).toBe('FORBIDDEN_ROLE');
    const e2 = tusErrorBody(
      await tusUpload(url, teacher.token!, file, { title: 'x', grade: '5', subject: '数学' }).catch(
        (e: unknown) => e,
      ),
    );
    expect(e2.status).toBe(403);
    const e3 = tusErrorBody(
      await tusUpload(url, teacher.token!, file, { title: '', grade: '3', subject: '数学' }).catch(
        (e: unknown) => e,
      ),
    );
    expect(e3.status).toBe(400);
    expect(JSON.parse(e3.body).error.message).toContain('title');
    const e4 = tusErrorBody(
      await tusUpload(url, 'forged.1.x', file, { title: 'x', grade: '3', subject: '数学' }).catch(
        (e: unknown) => e,
      ),
    );
    expect(e4.status).toBe(401);
  });
});

describe('resumable upload', () => {
  it('an interrupted upload resumes at the offset the server kept', async () => {
    const file = clip({ seconds: 6, width: 320, height: 180 });
    const data = fs.readFileSync(file);
    const meta = (o: Record<string, string>) =>
      Object.entries(o)
        .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
        .join(',');
    const auth = { authorization: `Bearer ${teacher.token}`, 'tus-resumable': '1.0.0' };
    const created = await fetch(`${url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...auth,
        'upload-length': String(data.length),
        'upload-metadata': meta({ filename: 'resume.mp4', title: '续传测试', grade: '3', subject: '数学' }),
      },
    });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location')!, url).toString();
    const half = Math.floor(data.length / 2);
    const first = await fetch(location, {
      method: 'PATCH',
      headers: { ...auth, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: data.subarray(0, half),
    });
    expect(first.status).toBe(204);
    // "The connection dropped": the client asks where to continue.
    const head = await fetch(location, { method: 'HEAD', headers: auth });
    expect(head.headers.get('upload-offset')).toBe(String(half));
    // Another teacher cannot touch this upload.
    const other = await ApiClient.as(url, 'lead-g4');
    const stolen = await fetch(location, {
      method: 'HEAD',
      headers: { ...auth, authorization: `Bearer ${other.token}` },
    });
    expect(stolen.status).toBe(403);
    const rest = await fetch(location, {
      method: 'PATCH',
      headers: { ...auth, 'upload-offset': String(half), 'content-type': 'application/offset+octet-stream' },
      body: data.subarray(half),
    });
    expect(rest.status).toBe(200);
    const { lessonId } = (await rest.json()) as { lessonId: string };
    const l = await settled(lessonId);
    expect(l.status).toBe('ready');
    const stored = fs.readFileSync(svc.core.storage.localPath!(`originals/${lessonId}/source`));
    expect(stored.equals(data)).toBe(true);
  });
});

describe('cancel and retry', () => {
  it('cancels a running transcode, then retries it to ready', async () => {
    const id = await upload(clip({ seconds: 30, width: 1280, height: 720 }));
    await waitFor(async () => (await lessonOf(id)).status === 'processing', 'processing', 60_000, 50);
    const c = await teacher.post<{ outcome: string }>(`/api/lessons/${id}/cancel`);
    expect(['signalled', 'removed']).toContain(c.body.outcome);
    const failed = await settled(id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('TRANSCODE_CANCELLED');
    const other = await ApiClient.as(url, 'lead-g4');
    expect((await other.post(`/api/lessons/${id}/retry`)).status).toBe(403);
    expect((await teacher.post(`/api/lessons/${id}/retry`)).status).toBe(200);
    const ready = await settled(id);
    expect(ready.status).toBe('ready');
  }, 180_000);
});
