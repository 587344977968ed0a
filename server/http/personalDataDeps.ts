import type { AppDeps } from './AppDeps.ts';
import type { PersonalDataDeps } from '../privacy/personalData.ts';
import { PresenceStore } from '../presence/PresenceStore.ts';
import { ClassRoomStore } from '../classroom/ClassRoomStore.ts';
import { TimetableStore } from '../timetable/TimetableStore.ts';
import { AuditLog } from '../privacy/AuditLog.ts';
import { DEFAULT_ATTENDANCE_RULES } from '../presence/attendance.ts';

/** The stores the data-rights use cases need, from the app's dependencies. */
export function personalDataDeps(deps: AppDeps): PersonalDataDeps {
  return {
    store: deps.store,
    sessions: deps.sessions,
    lessons: deps.lessons,
    presence: new PresenceStore(deps.redis),
    rooms: new ClassRoomStore(deps.redis),
    timetable: new TimetableStore(deps.redis),
    audit: new AuditLog(deps.redis),
    timeZone: deps.timeZone,
    attendance: deps.attendance ?? DEFAULT_ATTENDANCE_RULES,
  };
}
