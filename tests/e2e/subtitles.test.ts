/**
 * Subtitles (字幕) end to end: the lesson's teacher uploads an SRT file to a
 * transcoded lesson; the master playlist offers a WebVTT subtitle rendition
 * (ffprobe-free checks of RFC 8216 tags), the files are served behind the
 * viewing pass, bad files are refused with the reason, students cannot
 * upload; in real Chromium hls.js shows the cues when the student picks 中文.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { browserSuite, SHOTS } from '../helpers/browser.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { clip } from '../helpers/fixtures.ts';
import { readyLesson } from '../helpers/channelDay.ts';

let lessonId = '';
const SRT = [
  '1',
  '00:00:00,200 --> 00:00:05,000',
  '同学们好，今天我们学习分数',
  '',
  '2',
  '00:00:05,000 --> 00:00:11,500',
  '把一个蛋糕平均分成四份',
  '',
].join('\r\n');
const suite = browserSuite({ chromiumArgs: ['--autoplay-policy=no-user-gesture-required'] });
const signIn = suite.signIn;

beforeAll(async () => {
  lessonId = await readyLesson(suite.svc.url, clip({ seconds: 12, name: 'subs_12s.mp4' }), '分数的初步认识');
}, 240_000);

describe('subtitles for students who cannot hear', () => {
  it('the lesson’s teacher adds SRT subtitles; the master offers a WebVTT rendition behind the pass', async () => {
    const lead = await ApiClient.as(suite.svc.url, 'lead-g3');
    const put = (c: ApiClient, body: string, lang = 'zh-CN') =>
      c.request('PUT', `/api/lessons/${lessonId}/subtitles/${lang}`, body, {
        contentType: 'application/x-subrip',
      });
    const student = await ApiClient.as(suite.svc.url, 's1-g3-1-01');
    expect((await put(student, SRT)).status).toBe(403);
    const bad = await put(lead, '1\n00:00:05,000 --> 00:00:01,000\n倒了');
    expect(bad.status).toBe(400);
    expect(bad.body.error!.message).toContain('Cue 1 ends before it starts');
    const tooLate = await put(lead, '1\n01:00:00,000 --> 01:00:02,000\n别的课');
    expect(tooLate.status).toBe(400);
    expect(tooLate.body.error!.message).toContain('another lesson');
    const ok = await put(lead, SRT);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ subtitles: [{ language: 'zh-CN', name: '中文', cues: 2 }] });

    const pb = await student.get<{ masterUrl: string }>(`/api/lessons/${lessonId}/playback`);
    const get = (u: string) =>
      fetch(suite.svc.url + u, { headers: { cookie: `skyclass_hls=${student.hlsPass}` } });
    const master = await (await get(pb.body.masterUrl)).text();
    expect(master).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="中文",LANGUAGE="zh-CN"');
    for (const line of master.split('\n').filter((l) => l.startsWith('#EXT-X-STREAM-INF:')))
      expect(line).toContain('SUBTITLES="subs"');
    const base = pb.body.masterUrl.replace(/master\.m3u8$/, '');
    const playlist = await (await get(`${base}subs/zh-CN.m3u8`)).text();
    const vttName = playlist.split('\n').find((l) => l.endsWith('.vtt'))!;
    const vtt = await get(`${base}subs/${vttName}`);
    expect(vtt.status).toBe(200);
    expect(vtt.headers.get('content-type')).toContain('text/vtt');
    expect(await vtt.text()).toContain('00:00:00.200 --> 00:00:05.000\n同学们好');
    // Without the pass: refused.
    expect((await fetch(`${suite.svc.url}${base}subs/${vttName}`)).status).toBe(401);
  });

  it('in Chromium, hls.js shows the cues when the student turns subtitles on', async () => {
    const student = await signIn('s1-g3-1-01', true);
    await student.goto(`${suite.svc.url}/#/watch/${lessonId}`);
    await student.waitForSelector('[data-testid=subtitles]');
    await student.selectOption('[data-testid=subtitles]', '0');
    await student.$eval('[data-testid=video]', (v) => {
      const video = v as HTMLVideoElement;
      video.muted = true;
      return video.play();
    });
    await student.waitForFunction(
      () => {
        const v = document.querySelector('[data-testid=video]') as HTMLVideoElement;
        const tr = Array.from(v.textTracks).find((x) => x.mode === 'showing');
        return !!tr && (tr.cues?.length ?? 0) >= 2 && (tr.activeCues?.length ?? 0) > 0;
      },
      undefined,
      { timeout: 30_000 },
    );
    const active = await student.$eval('[data-testid=video]', (v) =>
      Array.from((v as HTMLVideoElement).textTracks)
        .filter((x) => x.mode === 'showing')
        .flatMap((x) => Array.from(x.activeCues ?? []).map((c) => (c as VTTCue).text)),
    );
    expect(active.join(' ')).toMatch(/同学们好|蛋糕/);
    await student.screenshot({ path: path.join(SHOTS, 'subtitles-phone.png'), fullPage: true });
  }, 60_000);
});
