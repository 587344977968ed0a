/**
 * Teacher workload (教师工作量): per lead and co-teacher, the lessons they
 * taught (recorded lessons in the catalogue), the classes they follow and
 * the questions they answered in class rooms. School admins see their
 * school's co-teachers and every lead teacher (lead teachers teach the whole
 * district); district admins see everyone.
 */
import type { DistrictStore } from '../district/DistrictStore.ts';
import type { User } from '../district/model.ts';
import type { ClassRoomStore } from '../classroom/ClassRoomStore.ts';
import type { LessonStore } from '../../recordings/catalogue/LessonStore.ts';

export interface WorkloadDeps {
  store: DistrictStore;
  rooms: ClassRoomStore;
  lessons: LessonStore;
}

export async function workload(d: WorkloadDeps, viewer: User) {
  const staff = [
    ...(await d.store.listByRole('lead_teacher')),
    ...(await d.store.listByRole('co_teacher')),
  ].filter(
    (t) => viewer.role === 'district_admin' || t.role === 'lead_teacher' || t.schoolId === viewer.schoolId,
  );
  const [answered, lessons] = await Promise.all([
    d.rooms.answeredBy(staff.map((t) => t.id)),
    d.lessons.list(),
  ]);
  const taught = new Map<string, number>();
  for (const l of lessons) taught.set(l.teacherId, (taught.get(l.teacherId) ?? 0) + 1);
  return {
    teachers: staff.map((t) => ({
      id: t.id,
      username: t.username,
      displayName: t.displayName,
      role: t.role,
      lessonsTaught: taught.get(t.id) ?? 0,
      classesFollowed: t.role === 'co_teacher' ? (t.classIds?.length ?? 0) : 0,
      questionsAnswered: answered[t.id] ?? 0,
    })),
  };
}
