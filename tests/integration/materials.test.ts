/**
 * Learning materials through the real service: a lead teacher attaches a PDF
 * task sheet to a grade-3 timetable slot, the grade's students list and
 * download it, another grade's cannot; a co-teacher adds a class-only photo
 * that only the class sees; nobody adds outside their scope; removing a
 * material deletes its file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../server/Service.ts';
import { ApiClient } from '../helpers/ApiClient.ts';
import { putLiveSlotNow } from '../helpers/channelDay.ts';
import { startTestService } from '../helpers/service.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { tusUpload } from '../helpers/tusUpload.ts';
import { classifyAttachment } from '../../server/homework/attachments.ts';

const CLASS = 'cls_demo_s1_g3_1';

describe('learning materials', () => {
  let svc: RunningService;
  let lead: ApiClient;
  let teacher: ApiClient;
  let student: ApiClient;
  let otherGrade: ApiClient;
  let otherClass: ApiClient;
  let date = '';
  let slotId = '';
  const dir = tmpDir('materials');
  const pdf = path.join(dir, '学习任务单.pdf');
  const png = path.join(dir, 'board.png');

  const upload = async (who: ApiClient, file: string) =>
    (
      JSON.parse(
        (await tusUpload(svc.url, who.token!, file, {}, { endpoint: '/api/homework/uploads' })).body,
      ) as {
        file: { id: string; kind: string };
      }
    ).file;
  const open = (who: ApiClient, id: string) =>
    fetch(`${svc.url}/api/homework/files/${id}`, { headers: { authorization: `Bearer ${who.token}` } });

  beforeAll(async () => {
    svc = await startTestService();
    [lead, teacher, student, otherGrade, otherClass] = (await Promise.all(
      ['lead-g3', 't-s1-g3-1', 's1-g3-1-01', 's1-g4-1-01', 's1-g3-2-01'].map((u) => ApiClient.as(svc.url, u)),
    )) as [ApiClient, ApiClient, ApiClient, ApiClient, ApiClient];
    const admin = await ApiClient.as(svc.url, 'admin');
    const live = await lead.post<{ lesson: { id: string } }>('/api/live', {
      title: '分数',
      grade: 3,
      subject: '数学',
    });
    date = await putLiveSlotNow(admin, 3, live.body.lesson.id, '测试：学习资料');
    const week = await lead.get<{ slots: { id: string; grade: number; date: string }[] }>(
      `/api/timetable?grade=3&from=${date}&days=1`,
    );
    slotId = week.body.slots.find((s) => s.grade === 3 && s.date === date)!.id;
    fs.writeFileSync(
      pdf,
      '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
    );
    fs.writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
  }, 60_000);
  afterAll(async () => {
    await svc?.close();
  });

  it('classifies Office documents from their bytes', () => {
    const docx = Buffer.concat([
      Buffer.from('PK\x03\x04', 'latin1'),
      Buffer.alloc(26),
      Buffer.from('[Content_Types].xml...word/document.xml'),
    ]);
    expect(classifyAttachment(docx)?.contentType).toMatch(/wordprocessingml/);
    const zip = Buffer.concat([
      Buffer.from('PK\x03\x04', 'latin1'),
      Buffer.alloc(26),
      Buffer.from('notes.txt'),
    ]);
    expect(classifyAttachment(zip)).toBeUndefined();
  });

  it('a lead teacher attaches a task sheet to a slot; the grade downloads it, another grade cannot', async () => {
    const file = await upload(lead, pdf);
    expect(file.kind).toBe('pdf');
    const scope = { kind: 'slot', grade: 3, date, slotId };
    const added = await lead.post<{ material: { id: string } }>('/api/materials', {
      scope,
      title: '学习任务单',
      fileId: file.id,
    });
    expect(added.status).toBe(201);
    const q = `/api/materials?grade=3&date=${date}&slotId=${slotId}`;
    const list = await student.get<{ materials: { title: string; file: { id: string } }[] }>(q);
    expect(list.body.materials.map((m) => m.title)).toEqual(['学习任务单']);
    const got = await open(student, file.id);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(await got.text()).toContain('%PDF-1.4');
    expect((await otherGrade.get(q)).status).toBe(403);
    expect((await open(otherGrade, file.id)).status).toBe(403);
    // A slot that does not exist, another grade's lead teacher, a student: refused with the reason.
    const again = await upload(lead, pdf);
    const missing = await lead.post('/api/materials', {
      scope: { ...scope, slotId: 'slot_nope' },
      title: 'x',
      fileId: again.id,
    });
    expect(missing.body.error!.message).toMatch(/has no lesson slot_nope/);
    const lead4 = await ApiClient.as(svc.url, 'lead-g4');
    const own = await upload(lead4, pdf);
    expect((await lead4.post('/api/materials', { scope, title: 'x', fileId: own.id })).status).toBe(403);
    expect((await student.post('/api/materials', { scope, title: 'x', fileId: own.id })).status).toBe(403);
  });

  it('a co-teacher adds a class-only material; only the class sees it; removing it deletes the file', async () => {
    const file = await upload(teacher, png);
    const scope = { kind: 'class', classId: CLASS };
    const added = await teacher.post<{ material: { id: string } }>('/api/materials', {
      scope,
      title: '板书',
      fileId: file.id,
    });
    expect(added.status).toBe(201);
    expect(
      (await student.get<{ materials: unknown[] }>(`/api/materials?classId=${CLASS}`)).body.materials,
    ).toHaveLength(1);
    expect((await otherClass.get(`/api/materials?classId=${CLASS}`)).status).toBe(403);
    expect((await open(otherClass, file.id)).status).toBe(403);
    expect((await open(student, file.id)).headers.get('content-type')).toBe('image/png');
    // Another class's teacher cannot add to this class, nor remove this material.
    const other = await ApiClient.as(svc.url, 't-s1-g3-2');
    expect((await other.request('DELETE', `/api/materials/${added.body.material.id}`)).status).toBe(403);
    expect((await teacher.request('DELETE', `/api/materials/${added.body.material.id}`)).status).toBe(200);
    expect(
      (await student.get<{ materials: unknown[] }>(`/api/materials?classId=${CLASS}`)).body.materials,
    ).toHaveLength(0);
    expect((await open(teacher, file.id)).status).toBe(404);
  });
});
