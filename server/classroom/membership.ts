import type { SchoolClass, User } from '../district/model.ts';

/** Members of a class room: its students and its co-teachers. */
export function isRoomMember(user: User, cls: SchoolClass): boolean {
  return (
    (user.role === 'student' || user.role === 'co_teacher') && (user.classIds?.includes(cls.id) ?? false)
  );
}

/**
 * A district admin observes any class's rooms (督导, 进群听课): reads the class room and watches and
 * listens to its video room, never writes, speaks or steers; the class sees who observes.
 */
export function isRoomObserver(user: User): boolean {
  return user.role === 'district_admin';
}

/** Who may read a class's rooms: its members and observers. */
export function mayReadRoom(user: User, cls: SchoolClass): boolean {
  return isRoomMember(user, cls) || isRoomObserver(user);
}
