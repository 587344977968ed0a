import { describe, expect, it } from 'vitest';
import { neutraliseFormula, restoreFormula, toCsv } from '../../server/csv.ts';
import { parseTimetableCsv, timetableToCsv } from '../../server/timetable/timetableCsv.ts';
import type { Slot } from '../../server/timetable/model.ts';

describe('CSV files handed out', () => {
  it('quote CR, LF, quotes and commas, end rows with CRLF, and can start with a BOM', () => {
    expect(toCsv([['a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', 3]])).toBe(
      '"a,b","say ""hi""","line\nbreak","cr\rhere",3\r\n',
    );
    expect(toCsv([['x']], { bom: true })).toBe('\uFEFFx\r\n');
  });

  it('never let a cell start a spreadsheet formula (CSV injection)', () => {
    for (const evil of ['=HYPERLINK("http://x","点我")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR'])
      expect(neutraliseFormula(evil).startsWith("'")).toBe(true);
    expect(toCsv([['=1+1', '张三', 42, -1]])).toBe("'=1+1,张三,42,-1\r\n"); // numbers stay numbers
    expect(restoreFormula("'=1+1")).toBe('=1+1');
    expect(restoreFormula("'普通")).toBe("'普通");
  });

  it('a timetable exported and imported again keeps a title that looks like a formula', () => {
    const slot: Slot = {
      id: 'slot_0123456789ab',
      grade: 3,
      date: '2026-12-02',
      start: '08:00',
      end: '08:40',
      subject: '数学',
      title: '=1+1 等于几',
      source: { kind: 'recorded', lessonId: 'les_0123456789abcdef' },
    };
    const csv = timetableToCsv([slot]);
    expect(csv).toContain("'=1+1 等于几");
    const back = parseTimetableCsv(csv, 'admin');
    expect(back.errors).toEqual([]);
    expect(back.slots[0]!.slot.title).toBe('=1+1 等于几');
  });
});
