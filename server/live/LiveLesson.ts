/** A live lesson: a lead teacher broadcasts to a whole grade. scheduled → live → ended. */
import type { LiveLessonView } from '../../contracts/live.ts';

export { LIVE_STATUSES, type LiveStatus } from '../../contracts/live.ts';

/** As stored (the view adds what the viewer may do). */
export type LiveLesson = Omit<LiveLessonView, 'canRun'>;
