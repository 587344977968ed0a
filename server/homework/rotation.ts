/**
 * Pure rules of homework (unit-tested): a submission's state, an assignment's
 * counts, the day's homework minutes against the district's limit, and the
 * daily in-depth marking rotation ("每个班至少在网上抽查批阅五名学生的作业,
 * 轮流批改,覆盖班级全体学生"): at least five students a day, least recently
 * marked first, and nobody twice before everyone once.
 */
import type { Assignment, Submission, SubmissionState } from '../../contracts/homework.ts';

export const ROTATION_PER_DAY = 5;

export function stateOf(sub: Submission | undefined): SubmissionState {
  if (!sub) return 'missing';
  if (sub.mark) return sub.mark.redo ? 'redo' : 'marked';
  return sub.late ? 'late' : 'submitted';
}

export function countsOf(states: SubmissionState[]) {
  const c = { submitted: 0, late: 0, missing: 0, marked: 0, redo: 0 };
  for (const s of states) {
    if (s === 'missing') c.missing++;
    else {
      // Every handed-in piece counts as submitted; late, marked and redo say more about some of them.
      c.submitted++;
      if (s !== 'submitted') c[s]++;
    }
  }
  return c;
}

/** Minutes of homework a class already has for a day (assignments of that class and date). */
export function minutesOn(assignments: Assignment[], classId: string, date: string, except?: string): number {
  return assignments
    .filter((a) => a.date === date && a.classIds.includes(classId) && a.id !== except)
    .reduce((n, a) => n + a.expectedMinutes, 0);
}

export interface RotationEntry {
  /** The round in which the student was last marked in depth (rounds start at 1). */
  round: number;
  /** The local date of that marking. */
  date: string;
}

export interface RotationState {
  round: number;
  entries: Map<string, RotationEntry>;
}

export interface RotationProposal {
  /** Proposed today and not yet marked in depth today, in order. */
  proposed: string[];
  markedToday: string[];
  coveredThisRound: number;
}

/**
 * Today's proposal for a class (students in a stable order, e.g. by name). Students marked in depth
 * today fill part of the day's quota; the rest comes from those not covered in the current round,
 * least recently marked first; when the round runs out, the next round's first students fill the day.
 */
export function proposeRotation(
  students: string[],
  state: RotationState,
  today: string,
  perDay = ROTATION_PER_DAY,
): RotationProposal {
  const markedToday = students.filter((s) => state.entries.get(s)?.date === today);
  const covered = students.filter((s) => (state.entries.get(s)?.round ?? 0) >= state.round);
  const byLast = (a: string, b: string) =>
    (state.entries.get(a)?.date ?? '').localeCompare(state.entries.get(b)?.date ?? '') ||
    students.indexOf(a) - students.indexOf(b);
  const need = Math.max(0, perDay - markedToday.length);
  const thisRound = students.filter((s) => !covered.includes(s)).sort(byLast);
  const nextRound = students.filter((s) => covered.includes(s) && !markedToday.includes(s)).sort(byLast);
  const proposed = [...thisRound, ...nextRound].slice(0, need);
  return { proposed, markedToday, coveredThisRound: covered.length };
}

/** Records an in-depth marking; a round that is complete afterwards opens the next one. */
export function recordInDepth(
  students: string[],
  state: RotationState,
  studentId: string,
  today: string,
): RotationState {
  const entries = new Map(state.entries);
  const roundOfStudent = (entries.get(studentId)?.round ?? 0) >= state.round ? state.round + 1 : state.round;
  entries.set(studentId, { round: roundOfStudent, date: today });
  const complete = students.every((s) => (entries.get(s)?.round ?? 0) >= state.round);
  return { round: complete ? state.round + 1 : state.round, entries };
}
