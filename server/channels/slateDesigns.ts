/**
 * The slates' words: what a channel shows before a lesson, while a live
 * lesson's source is missing, and after the day's last lesson. A design
 * names the subject and time but not the grade (the viewer knows the
 * channel), so grades with the same timetable share rendered slates.
 */
import type { SlateDesign } from '../../media/channel/slate.ts';
import type { Slot } from '../timetable/model.ts';

const hhmm = (t: string) => t.slice(0, 5);
const FOOTER = '空中课堂 Skyclass';

/**
 * The slate before `next` (or, without one, after the day's last lesson); `during` a live slot whose
 * source is missing. With the lesson's TV check-in code, the footer shows it (a design per slot and
 * day: ChannelService renders those just in time, for the lessons about to start).
 */
export function slateDesignFor(next: Slot | undefined, during = false, checkInCode?: string): SlateDesign {
  const code = checkInCode && next ? `电视签到码 ${checkInCode} · TV check-in · ` : '';
  const footer = `${code}${FOOTER}`;
  if (!next)
    return {
      title: '今天的课程已结束，明天见',
      subtitle: 'Lessons are over for today. See you tomorrow!',
      footer: FOOTER,
    };
  if (during)
    return {
      title: `直播马上回来：${next.subject}`,
      subtitle: `The live ${next.subject} lesson will be back shortly`,
      footer,
    };
  // The break before a lesson: an eye-rest prompt (护眼), the next lesson in both languages.
  return {
    title: `下一节：${next.subject} ${hhmm(next.start)}`,
    subtitle: '课间休息：看看远处，做做眼保健操',
    footer: `${code}Next: ${next.subject} at ${hhmm(next.start)} · ${FOOTER}`,
  };
}

/** Every design a day of slots needs: before each slot, during each live slot, and after the last. */
export function slateDesignsOfDay(slots: Slot[]): SlateDesign[] {
  return [
    ...slots.map((s) => slateDesignFor(s)),
    ...slots.filter((s) => s.source.kind === 'live').map((s) => slateDesignFor(s, true)),
    slateDesignFor(undefined),
  ];
}
