/**
 * Learning materials over HTTP (server/materials/Materials.ts decides who
 * may): list a lesson's, a slot's or a class's materials, add one (the file
 * uploaded first over tus at /api/homework/uploads), remove one.
 */
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';

export function registerMaterialRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { materials } = deps;

  r.add('GET /api/materials', {
    tag: 'materials',
    summary:
      'Materials of a recorded lesson (?lessonId=), a timetable slot (?grade=&date=&slotId=) or a class (?classId=)',
    auth: 'any',
    handler: async ({ user, query }) => {
      const scope = query.lessonId
        ? { kind: 'lesson' as const, lessonId: query.lessonId }
        : query.classId
          ? { kind: 'class' as const, classId: query.classId }
          : query.grade && query.date && query.slotId
            ? { kind: 'slot' as const, grade: Number(query.grade), date: query.date, slotId: query.slotId }
            : undefined;
      if (!scope)
        throw new AppError(
          'VALIDATION_FAILED',
          'Name a lesson (lessonId), a class (classId) or a slot (grade, date, slotId).',
        );
      return { materials: await materials.list(user, scope) };
    },
  });

  r.add('POST /api/materials', {
    tag: 'materials',
    summary:
      'Attach an uploaded file to a lesson or slot (lead teachers of the grade, district admins) or a class (its co-teachers)',
    auth: ['lead_teacher', 'district_admin', 'co_teacher'],
    status: 201,
    handler: async ({ user, body }) => ({ material: await materials.add(user, body) }),
  });

  r.add('DELETE /api/materials/:id', {
    tag: 'materials',
    summary: 'Remove a material (whoever added it, or a district admin); its file is deleted',
    auth: ['lead_teacher', 'district_admin', 'co_teacher'],
    handler: async ({ user, params }) => {
      await materials.remove(user, params.id);
      return { ok: true as const };
    },
  });
}
