/**
 * The duty console's API on a real instance (embedded Redis, mediasoup):
 * only district admins see it; it lists every channel, the live lessons with
 * their node, the media nodes and the transcode queue; and it raises the
 * alerts that need someone on duty — a live lesson without media for 10 s,
 * the slate on a channel during a scheduled live lesson, a media node that
 * vanished without leaving — and drops them when they are over.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import type { DutySnapshot } from '../../contracts/duty.ts';
import { NodeRegistry } from '../../server/cluster/NodeRegistry.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';
import { waitFor } from '../helpers/waitFor.ts';
import { putLiveSlotNow } from '../helpers/channelDay.ts';

let svc: RunningService;
const METRICS = 'duty-metrics-token';
beforeAll(async () => {
  svc = await startTestService({
    SFU: 'mediasoup',
    MEDIASOUP_WORKERS: '1',
    MEDIASOUP_RTC_PORTS: '45600-45699',
    METRICS_TOKEN: METRICS,
  });
}, 60_000);
afterAll(async () => svc?.close());

const snapshot = async (admin: ApiClient) => {
  const r = await admin.get<DutySnapshot>('/api/duty');
  expect(r.status).toBe(200);
  return r.body;
};

describe('the duty console', () => {
  it('is for district admins only', async () => {
    for (const u of ['s1-g3-1-01', 't-s1-g3-1', 'lead-g3', 's1-admin'])
      expect((await (await ApiClient.as(svc.url, u)).get('/api/duty')).status, u).toBe(403);
    expect((await new ApiClient(svc.url).get('/api/duty')).status).toBe(401);
  });

  it('shows channels, live lessons with their node, nodes, the queue; alerts and clears them', async () => {
    const admin = await ApiClient.as(svc.url, 'admin');
    const teacher = await ApiClient.as(svc.url, 'lead-g3');
    const first = await snapshot(admin);
    expect(first.channels.map((c) => c.id)).toContain('grade-3');
    expect(first.channels.every((c) => c.state === 'break')).toBe(true); // no timetable yet
    expect(first.nodes).toHaveLength(1);
    expect(first.nodes[0]!.id).toBe(svc.mediaNode!.node.id);
    expect(first.transcodes).toHaveProperty('waiting');
    expect(first.requests.total).toBeGreaterThanOrEqual(0);

    // A live lesson started without the teacher's media: after 10 s, an alert.
    const created = await teacher.post<{ lesson: { id: string } }>('/api/live', {
      title: '值班测试直播',
      grade: 3,
      subject: '数学',
    });
    const id = created.body.lesson.id;
    // The grade-3 channel airs that live slot now: it shows the slate while the lesson has no media.
    const date = await putLiveSlotNow(admin, 3, id, '值班测试');
    expect((await teacher.post(`/api/live/${id}/start`)).status).toBe(200);
    const s = await snapshot(admin);
    const g3 = s.channels.find((c) => c.id === 'grade-3')!;
    expect(g3.state).toBe('slate');
    expect(g3.now?.kind).toBe('live');
    expect(s.alerts.find((a) => a.code === 'SLATE_DURING_LESSON')?.subject).toBe('grade-3');
    const row = s.live.find((l) => l.id === id)!;
    expect(row).toMatchObject({ status: 'live', viewers: 0, mediaAgeSec: null });
    const alert = await waitFor(
      async () => (await snapshot(admin)).alerts.find((a) => a.code === 'LIVE_NO_MEDIA' && a.subject === id),
      'the no-media alert',
      20_000,
      1000,
    );
    expect(alert.level).toBe('critical');
    expect(alert.message).toContain('值班测试直播');
    expect(alert.messageEn).toContain('no media');

    // Ended: no more live alert; the channel still shows the slate in that slot until the slot goes.
    expect((await teacher.post(`/api/live/${id}/end`)).status).toBe(200);
    const after = await snapshot(admin);
    expect(after.alerts.filter((a) => a.subject === id)).toEqual([]);
    expect(after.live.find((l) => l.id === id)).toBeUndefined();
    expect(after.alerts.map((a) => a.code)).toContain('SLATE_DURING_LESSON');
    expect((await admin.request('PUT', `/api/timetable/3/${date}`, { slots: [] })).status).toBe(200);
    expect((await snapshot(admin)).alerts.filter((a) => a.subject === 'grade-3')).toEqual([]);
  }, 60_000);

  it('reports a media node that stopped its heartbeat without leaving, and not one that left', async () => {
    const admin = await ApiClient.as(svc.url, 'admin');
    const r = new NodeRegistry(svc.core.redis.redis, { ttlMs: 300 });
    const node = (id: string) => ({
      id,
      url: 'http://127.0.0.1:1',
      load: 0,
      maxLoad: 10,
      startedAt: new Date().toISOString(),
    });
    await r.heartbeat(node('mn_vanished'));
    await r.heartbeat(node('mn_leaving'));
    await r.remove('mn_leaving');
    await new Promise((res) => setTimeout(res, 400));
    const alerts = (await snapshot(admin)).alerts.filter((a) => a.code === 'NODE_LOST');
    expect(alerts.map((a) => a.subject)).toEqual(['mn_vanished']);
    await r.remove('mn_vanished');
    expect((await snapshot(admin)).alerts.filter((a) => a.code === 'NODE_LOST')).toEqual([]);
  });

  it('exports the same figures to Prometheus; the Grafana dashboard only uses series that exist', async () => {
    const text = await (
      await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })
    ).text();
    expect(text).toMatch(/^skyclass_channel_state\{channel="grade-3",state="break"\} 1$/m);
    expect(text).toMatch(/^skyclass_channel_state\{channel="grade-3",state="slate"\} 0$/m);
    expect(text).toContain(`skyclass_media_node_load{node="${svc.mediaNode!.node.id}"}`);
    expect(text).toMatch(/^skyclass_live_pipelines 0$/m);
    expect(text).toMatch(/^skyclass_transcode_jobs\{state="waiting"\} \d+$/m);
    for (const name of [
      'skyclass_live_segment_write_seconds',
      'skyclass_live_ffmpeg_restarts_total',
      'skyclass_live_viewers',
    ])
      expect(text).toContain(`# TYPE ${name}`);
    // A media node's own metrics, on its internal address, for Prometheus's token only.
    const internal = svc.mediaNode!.node.url;
    expect((await fetch(`${internal}/metrics`)).status).toBe(401);
    const nodeText = await (
      await fetch(`${internal}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } })
    ).text();
    expect(nodeText).toContain('skyclass_media_node_peers');
    // Every series a dashboard panel queries is one Skyclass exports.
    const dashboard = JSON.parse(fs.readFileSync('infra/grafana/skyclass-duty.json', 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    for (const e of exprs)
      for (const m of e.matchAll(/\b(skyclass_[a-z_]+?)(?:_bucket|_count|_sum)?(?=[{[)\s]|$)/g))
        expect(text, `${m[1]} (in "${e}")`).toContain(`# TYPE ${m[1]} `);
  });

  it('counts requests and server errors of every instance', async () => {
    await svc.requestStats.flush();
    const admin = await ApiClient.as(svc.url, 'admin');
    for (let i = 0; i < 5; i++) await admin.get('/api/duty');
    await svc.requestStats.flush();
    const s = await snapshot(admin);
    expect(s.requests.total).toBeGreaterThanOrEqual(5);
    expect(s.requests.errorRate).toBe(0);
  });
});
