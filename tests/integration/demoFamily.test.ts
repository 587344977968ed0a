/**
 * The demo's class life (server/district/demoFamily.ts, run by npm run demo):
 * after it, the demo parent has a notice and their child's marked homework,
 * and the class teacher sees the submission — the first start has something
 * to show on every role's page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startTestService } from '../helpers/service.ts';
import { seedDemoFamily } from '../../server/district/demoFamily.ts';

describe('demo class life', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startTestService();
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
  });

  it('gives the demo parent a notice and their child’s marked homework', async () => {
    expect(
      await seedDemoFamily({ store: svc.core.store, homework: svc.homework!, notices: svc.notices! }),
    ).toEqual({
      assignments: 2,
      notices: 2,
    });
    const parent = await ApiClient.as(svc.url, 'p-s1-g3-1-01');
    const mine = await parent.get<{ notices: { title: string }[]; unread: number }>('/api/notices/mine');
    expect(mine.body.notices.map((n) => n.title)).toEqual(['欢迎使用空中课堂家长端']);
    const [child] = (await parent.get<{ children: { id: string }[] }>('/api/family/children')).body.children;
    const hw = await parent.get<{ items: { state: string; submission?: { mark?: { comment?: string } } }[] }>(
      `/api/family/children/${child!.id}/homework`,
    );
    expect(hw.body.items).toHaveLength(1);
    expect(hw.body.items[0]!.state).toBe('marked');
    expect(hw.body.items[0]!.submission?.mark?.comment).toContain('观察得很仔细');
    const teacher = await ApiClient.as(svc.url, 't-s1-g3-2');
    const cls = await teacher.get<{ assignments: { counts: { marked: number; missing: number } }[] }>(
      '/api/classes/cls_demo_s1_g3_2/homework',
    );
    expect(cls.body.assignments[0]!.counts).toMatchObject({ marked: 1, missing: 1 });
  });
});
