import type { SchoolClass, User } from '../district/model.ts';

/** Members of a class room: its students and its co-teachers. Only district admins also read it, as observers the class sees. */
export function isRoomMember(user: User, cls: SchoolClass): boolean {
  return (
    (user.role === 'student' || user.role === 'co_teacher') && (user.classIds?.includes(cls.id) ?? false)
  );
}
