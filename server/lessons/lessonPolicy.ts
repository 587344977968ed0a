/** Who may see, upload, manage and review recorded lessons. */
import { isPublished, type Lesson } from '../../recordings/catalogue/Lesson.ts';
import type { User } from '../district/model.ts';

/** Grades a user follows: their own (lead teacher) or those of their classes. */
export type GradeLookup = (user: User) => Promise<number[]>;

export function canViewLesson(user: User, lesson: Lesson, grades: number[]): boolean {
  if (lesson.classId) return canViewClassVideo(user, lesson);
  switch (user.role) {
    case 'district_admin':
    case 'school_admin':
      return true;
    case 'lead_teacher':
      return lesson.teacherId === user.id || (isPublished(lesson) && grades.includes(lesson.grade));
    default:
      return isPublished(lesson) && grades.includes(lesson.grade);
  }
}

/**
 * A class-only video (微课): its class's students and co-teachers (the uploader also while it is
 * processing), the admins of its school and the district. Not the grade, not parents, not lead teachers.
 */
function canViewClassVideo(user: User, lesson: Lesson): boolean {
  switch (user.role) {
    case 'district_admin':
      return true;
    case 'school_admin':
      return user.schoolId === lesson.schoolId;
    case 'co_teacher':
      return (
        lesson.teacherId === user.id || (isPublished(lesson) && !!user.classIds?.includes(lesson.classId!))
      );
    case 'student':
      return isPublished(lesson) && !!user.classIds?.includes(lesson.classId!);
    default:
      return false;
  }
}

/** Co-teachers upload class-only videos (微课) for the classes they follow. */
export function canUploadForClass(user: User, classId: string): boolean {
  return user.role === 'co_teacher' && !!user.classIds?.includes(classId);
}

/**
 * Recorded lessons are district-wide content (a grade's unified lesson reaches
 * every school): only the district's admins and the grade's lead teachers
 * create them. A school admin sees them but does not change them.
 */
export function canUploadFor(user: User, grade: number): boolean {
  if (user.role === 'district_admin') return true;
  return user.role === 'lead_teacher' && (user.grades ?? []).includes(grade);
}

/** Rename, cancel, retry, delete: the lesson's own lead teacher or a district admin. */
export function canManageLesson(user: User, lesson: Lesson): boolean {
  if (user.role === 'district_admin') return true;
  // A class video: its teacher, and the admins of its school (who may take it down).
  if (lesson.classId)
    return (
      (user.role === 'co_teacher' && lesson.teacherId === user.id) ||
      (user.role === 'school_admin' && user.schoolId === lesson.schoolId)
    );
  return user.role === 'lead_teacher' && lesson.teacherId === user.id;
}

/** 资源审核: the district reviews lessons before a whole grade's students see them. */
export function canReview(user: User): boolean {
  return user.role === 'district_admin';
}
