/**
 * Two api instances on one Redis: a lesson change reaches its teacher's and
 * the admins' open pages once each, whichever instance their sockets are on
 * (every instance hears the catalogue's Redis channel and tells only its own
 * sockets); and socket.io speaks WebSocket only (no long-polling, which
 * would need sticky sessions behind a round-robin balancer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { LessonStore } from '../../recordings/catalogue/LessonStore.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { startSecondInstance, startTestService } from '../helpers/service.ts';
import { SocketPool } from '../helpers/sockets.ts';
import { waitFor } from '../helpers/waitFor.ts';

let a: RunningService;
let b: RunningService;
const pool = new SocketPool();

beforeAll(async () => {
  a = await startTestService();
  b = await startSecondInstance(a);
}, 60_000);
afterAll(async () => {
  pool.closeAll();
  await b?.close();
  await a?.close();
});

describe('socket.io across instances', () => {
  it('delivers each lesson update once per client, wherever the client is connected', async () => {
    const teacher = await ApiClient.as(a.url, 'lead-g3');
    const admin = await ApiClient.as(b.url, 'admin');
    const me = (await teacher.get<{ user: { id: string; displayName: string } }>('/api/me')).body.user;
    const got = { teacherOnA: 0, teacherOnB: 0, adminOnA: 0 };
    const sockets = {
      teacherOnA: await pool.connect(a.url, teacher.token),
      teacherOnB: await pool.connect(b.url, teacher.token),
      adminOnA: await pool.connect(a.url, admin.token),
    };
    const id = LessonStore.newId();
    for (const [k, s] of Object.entries(sockets))
      s.on('lesson:update', (e: { id: string }) => {
        if (e.id === id) got[k as keyof typeof got]++;
      });
    const now = new Date().toISOString();
    await a.core.lessons.create({
      id,
      title: '一次',
      grade: 3,
      subject: '数学',
      teacherId: me.id,
      teacherName: me.displayName,
      status: 'uploaded',
      review: 'pending',
      source: { key: 'originals/x/source', filename: 'x.mp4', size: 1 },
      createdAt: now,
      updatedAt: now,
    });
    await a.core.lessons.update(id, { title: '一次（改）' });
    await waitFor(async () => Object.values(got).every((n) => n >= 1), 'every page to hear the update', 5000);
    await new Promise((r) => setTimeout(r, 500)); // room for duplicates to arrive, if any
    expect(got).toEqual({ teacherOnA: 1, teacherOnB: 1, adminOnA: 1 });
  });

  it('refuses long-polling: WebSocket only', async () => {
    const res = await fetch(`${a.url}/socket.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(400);
  });
});
