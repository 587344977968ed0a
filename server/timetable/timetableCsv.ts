/**
 * Timetable import/export. CSV columns (header required, UTF-8 or GBK as
 * Excel saves it): date,grade,start,end,subject,kind,lesson,title,override
 * — kind is "live" or "recorded"; lesson is the recorded lesson's id;
 * override is a reason (an explicit, recorded exception). JSON is
 * {"slots":[{date,grade,start,end,subject,source:{kind,lessonId?},title?,override?}]}.
 */
import crypto from 'node:crypto';
import { restoreFormula, toCsv } from '../csv.ts';
import { parse } from 'csv-parse/sync';
import { DATE_PATTERN, type Slot } from './model.ts';

export interface ImportRowError {
  line: number;
  message: string;
}

export const CSV_COLUMNS = [
  'date',
  'grade',
  'start',
  'end',
  'subject',
  'kind',
  'lesson',
  'title',
  'override',
  'backup',
] as const;

export const newSlotId = () => `slot_${crypto.randomBytes(6).toString('hex')}`;

/** Checks one row's shape (not the rules); returns a slot or what is wrong. */
export function rowToSlot(
  r: Record<string, unknown>,
  by: string,
  at: string,
): { slot?: Slot; error?: string } {
  // Cells Skyclass exported with a formula guard (') read back as written.
  const str = (k: string) =>
    typeof r[k] === 'string'
      ? restoreFormula((r[k] as string).trim())
      : r[k] === undefined || r[k] === null
        ? ''
        : String(r[k]);
  const date = str('date');
  const grade = Number(str('grade'));
  const source = (r.source ?? undefined) as
    { kind?: string; lessonId?: string; liveLessonId?: string; backupLessonId?: string } | undefined;
  const kind = source?.kind ?? str('kind');
  const lessonId = source?.lessonId ?? source?.liveLessonId ?? str('lesson');
  const override =
    typeof r.override === 'object' && r.override
      ? ((r.override as { reason?: string }).reason ?? '')
      : str('override');
  if (!DATE_PATTERN.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    return { error: `date "${date}" must be YYYY-MM-DD` };
  if (!Number.isInteger(grade) || grade < 1 || grade > 12)
    return { error: `grade "${str('grade')}" must be a number 1–12` };
  if (!str('subject')) return { error: 'subject is empty' };
  if (kind !== 'live' && kind !== 'recorded') return { error: `kind "${kind}" must be live or recorded` };
  if (kind === 'recorded' && !lessonId)
    return { error: 'a recorded slot needs the lesson id in the "lesson" column' };
  const backup = source?.backupLessonId ?? str('backup');
  if (backup && kind !== 'live')
    return { error: 'only a live slot takes a backup lesson ("backup" column); leave it empty here' };
  return {
    slot: {
      id: typeof r.id === 'string' && /^slot_[0-9a-f]{12}$/.test(r.id) ? r.id : newSlotId(),
      grade,
      date,
      start: str('start'),
      end: str('end'),
      subject: str('subject').slice(0, 20),
      ...(str('title') ? { title: str('title').slice(0, 100) } : {}),
      // A live slot may name the live lesson that takes over the channel (its id in the "lesson" column).
      source:
        kind === 'recorded'
          ? { kind: 'recorded', lessonId }
          : {
              kind: 'live',
              ...(lessonId ? { liveLessonId: lessonId } : {}),
              ...(backup ? { backupLessonId: backup } : {}),
            },
      ...(override ? { override: { reason: override.slice(0, 200), by, at } } : {}),
    },
  };
}

export function parseTimetableCsv(
  text: string,
  by: string,
): { slots: { line: number; slot: Slot }[]; errors: ImportRowError[] } {
  const at = new Date().toISOString();
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
  } catch (e) {
    return {
      slots: [],
      errors: [
        {
          line: (e as { lines?: number }).lines ?? 1,
          message: `The CSV cannot be read: ${(e as Error).message}`,
        },
      ],
    };
  }
  const [header, ...rows] = records;
  const cols = (header ?? []).map((h) => h.trim().toLowerCase());
  const missing = ['date', 'grade', 'start', 'end', 'subject', 'kind'].filter((c) => !cols.includes(c));
  if (missing.length)
    return {
      slots: [],
      errors: [
        { line: 1, message: `The header lacks: ${missing.join(', ')}. Expected: ${CSV_COLUMNS.join(',')}` },
      ],
    };
  const slots: { line: number; slot: Slot }[] = [];
  const errors: ImportRowError[] = [];
  rows.forEach((row, i) => {
    const rec = Object.fromEntries(cols.map((c, j) => [c, row[j] ?? '']));
    const r = rowToSlot(rec, by, at);
    if (r.slot) slots.push({ line: i + 2, slot: r.slot });
    else errors.push({ line: i + 2, message: r.error! });
  });
  return { slots, errors };
}

export function timetableToCsv(slots: Slot[]): string {
  const rows: (string | number)[][] = [[...CSV_COLUMNS]];
  for (const s of [...slots].sort(
    (a, b) => a.date.localeCompare(b.date) || a.grade - b.grade || a.start.localeCompare(b.start),
  )) {
    rows.push([
      s.date,
      String(s.grade),
      s.start,
      s.end,
      s.subject,
      s.source.kind,
      s.source.kind === 'recorded' ? s.source.lessonId : (s.source.liveLessonId ?? ''),
      s.title ?? '',
      s.override?.reason ?? '',
      s.source.kind === 'live' ? (s.source.backupLessonId ?? '') : '',
    ]);
  }
  return toCsv(rows, { bom: true }); // BOM: Excel opens the Chinese text correctly
}
