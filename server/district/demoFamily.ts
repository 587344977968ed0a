/**
 * The demo's class life: in every class of school 1 grade 3, a homework set
 * by the class teacher, handed in by the first student and marked with a
 * comment, and a notice to the parents — so the class teacher's, the
 * student's and the parent's pages have something to show on first start.
 */
import type { Homework } from '../homework/Homework.ts';
import type { Notices } from '../family/Notices.ts';
import type { DistrictStore } from './DistrictStore.ts';

export async function seedDemoFamily(d: {
  store: DistrictStore;
  homework: Homework;
  notices: Notices;
}): Promise<{ assignments: number; notices: number }> {
  let assignments = 0;
  let notices = 0;
  for (const c of [1, 2]) {
    const teacher = await d.store.findByUsername(`t-s1-g3-${c}`);
    const student = await d.store.findByUsername(`s1-g3-${c}-01`);
    const classId = `cls_demo_s1_g3_${c}`;
    if (!teacher || !student) continue;
    const tomorrow = new Date(Date.now() + 86400_000);
    tomorrow.setUTCHours(12, 0, 0, 0); // 20:00 in Beijing
    const a = await d.homework.create(teacher, {
      classIds: [classId],
      subject: '语文',
      title: '看图写话：春天来了',
      instructions: '观察课本第 12 页的图，写三句话，说说春天有哪些变化。写在本子上，拍照上传。',
      dueAt: tomorrow.toISOString(),
      expectedMinutes: 20,
      attachmentIds: [],
    });
    assignments += 1;
    await d.homework.submit(student, a.id, {
      text: '春天来了，小草发芽了，柳树长出了嫩绿的叶子。',
      attachmentIds: [],
    });
    await d.homework.mark(teacher, a.id, student.id, {
      grade: 'excellent',
      comment: '观察得很仔细，句子通顺！下次可以再写写你听到的声音。',
      redo: false,
      inDepth: true,
    });
    await d.notices.post(teacher, classId, {
      title: '欢迎使用空中课堂家长端',
      body: '各位家长好！在这里可以看到孩子每天的课表和出勤、作业和老师的评语。孩子在电视上看课时，请在上课时输入频道上的签到码。收到通知请点“已阅，确认”。',
    });
    notices += 1;
  }
  return { assignments, notices };
}
