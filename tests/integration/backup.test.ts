/**
 * Backup lessons for live slots (备份方案), end to end on a real instance: a
 * live slot names an approved recorded lesson; the live lesson does not start,
 * so after the district's delay the grade channel plays the backup from its
 * start instead of the slate; the guide, the EPG and the duty console say so;
 * when the teacher's live media appears, the channel returns to it at its next
 * segment. The rules refuse a backup that is not playable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import type { DutySnapshot } from '../../contracts/duty.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { localParts, readyLesson } from '../helpers/channelDay.ts';
import { clip } from '../helpers/fixtures.ts';
import { startTestService } from '../helpers/service.ts';
import { waitFor } from '../helpers/waitFor.ts';

let svc: RunningService;
let admin: ApiClient;
let backupId: string;
let liveId: string;
let slotStart: number;

const playlist = async () => (await fetch(`${svc.url}/channels/grade-3/360p/index.m3u8`)).text();
const uris = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

beforeAll(async () => {
  svc = await startTestService();
  admin = await ApiClient.as(svc.url, 'admin');
  backupId = await readyLesson(svc.url, clip({ seconds: 30, name: 'backup_30s.mp4' }), '备份：分数的认识');
  const lead = await ApiClient.as(svc.url, 'lead-g3');
  const created = await lead.post<{ lesson: { id: string } }>('/api/live', {
    title: '直播：分数的加法',
    grade: 3,
    subject: '数学',
  });
  liveId = created.body.lesson.id;
  const rules = (await admin.get<{ rules: Record<string, unknown> }>('/api/timetable/rules')).body.rules;
  const set = await admin.put('/api/timetable/rules', { ...rules, liveBackupAfterSeconds: 5 });
  expect(set.status, JSON.stringify(set.body)).toBe(200);
}, 240_000);

afterAll(async () => svc?.close());

describe('a live slot with a backup lesson', () => {
  it('refuses a backup that is not a playable lesson of the grade, with the reason', async () => {
    const { date, time } = localParts(Date.now() + 3600_000);
    const bad = await admin.request('PUT', `/api/timetable/3/${date}`, {
      slots: [
        {
          start: time.slice(0, 5),
          end: localParts(Date.now() + 3600_000 + 20 * 60_000).time.slice(0, 5),
          subject: '数学',
          kind: 'live',
          lesson: liveId,
          backup: 'les_0000000000000000',
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('备份');
    const onRecorded = await admin.request('PUT', `/api/timetable/3/${date}`, {
      slots: [
        {
          start: '08:00',
          end: '08:20',
          subject: '数学',
          kind: 'recorded',
          lesson: backupId,
          backup: backupId,
        },
      ],
    });
    expect(onRecorded.status).toBe(400);
    expect(JSON.stringify(onRecorded.body)).toMatch(/only a live slot takes a backup/);
  });

  it('plays the backup after the district’s delay, says so in the guide, EPG and duty console, and hands back to the live lesson', async () => {
    slotStart = Math.ceil(Date.now() / 1000) * 1000;
    const t = (ms: number) => localParts(ms).time;
    const put = await admin.request('PUT', `/api/timetable/3/${localParts(slotStart).date}`, {
      slots: [
        {
          start: t(slotStart),
          end: t(slotStart + 10 * 60_000),
          subject: '数学',
          title: '分数的加法',
          kind: 'live',
          lesson: liveId,
          backup: backupId,
          override: { reason: '测试：备份方案' },
        },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    // The teacher has not started: the slate for 5 s, then the backup from its first segment (decided once
    // the moment is older than the live grace time, 10 s).
    const text = await waitFor(
      async () => {
        const p = await playlist();
        return uris(p).some((u) => u.includes(`media/vod/${backupId}/360p/`)) ? p : undefined;
      },
      'the backup lesson on the channel',
      40_000,
      1000,
    );
    const backupUris = uris(text).filter((u) => u.includes(`media/vod/${backupId}/`));
    expect(backupUris[0]).toMatch(/seg_00000\.m4s$/); // from its start
    expect(text).toContain('#EXT-X-DISCONTINUITY');
    // Its segments are served on the public channel URL (a backup is on the channel's timetable).
    const seg = await fetch(new URL(backupUris[0]!, `${svc.url}/channels/grade-3/360p/`));
    expect(seg.status).toBe(200);

    const guide = (
      await admin.get<{
        channels: { grade: number; now: { backup?: unknown } | null; onAir?: string }[];
      }>('/api/channels')
    ).body;
    const g3 = guide.channels.find((c) => c.grade === 3)!;
    expect(g3.now?.backup).toEqual({ lessonId: backupId, title: '备份：分数的认识' });
    expect(g3.onAir).toBe('backup');
    const epg = await (await fetch(`${svc.url}/api/epg.xml`)).text();
    expect(epg).toContain('如直播未开始或中断，播出备份课《备份：分数的认识》');
    const duty = (await admin.get<DutySnapshot>('/api/duty')).body;
    expect(duty.channels.find((c) => c.grade === 3)!.state).toBe('backup');
    expect(duty.alerts.some((a) => a.code === 'BACKUP_ON_AIR')).toBe(true);
    expect(duty.alerts.some((a) => a.code === 'SLATE_DURING_LESSON' && a.subject === 'grade-3')).toBe(false);

    // The teacher is back: live segments (as the live pipeline stores them, with their wall-clock times).
    const now = Date.now();
    const src = `vod/${backupId}/360p`;
    for (const name of ['init.mp4', 'seg_00000.m4s', 'seg_00001.m4s']) {
      const got = await svc.core.storage.get(`${src}/${name}`);
      const chunks: Buffer[] = [];
      for await (const c of got.body) chunks.push(c as Buffer);
      await svc.core.storage.put(`live/${liveId}/360p/${name}`, Buffer.concat(chunks), {
        contentType: got.info.contentType,
      });
    }
    const pdt = (ms: number) => new Date(ms).toISOString();
    await svc.core.storage.put(
      `live/${liveId}/360p/index.m3u8`,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:6',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-MAP:URI="init.mp4"',
        `#EXT-X-PROGRAM-DATE-TIME:${pdt(now - 3000)}`,
        '#EXTINF:2.000,',
        'seg_00000.m4s',
        `#EXT-X-PROGRAM-DATE-TIME:${pdt(now - 1000)}`,
        '#EXTINF:2.000,',
        'seg_00001.m4s',
        '',
      ].join('\n'),
      { contentType: 'application/vnd.apple.mpegurl' },
    );
    const back = await waitFor(
      async () => {
        const p = await playlist();
        return uris(p).some((u) => u.includes(`media/live/${liveId}/`)) ? p : undefined;
      },
      'the live lesson back on the channel',
      15_000,
      500,
    );
    const order = uris(back).map((u) =>
      u.includes('/live/') ? 'live' : u.includes(backupId) ? 'backup' : 'slate',
    );
    // The backup until the live lesson's first segment, then the live lesson.
    expect(order.lastIndexOf('backup')).toBeLessThan(order.indexOf('live'));
    expect(order.slice(order.indexOf('live'))).toEqual(['live', 'live']);
  }, 120_000);
});
