/**
 * CSV files Skyclass hands out (attendance, timetables): RFC 4180 through
 * csv-stringify (quotes, CR and LF inside cells, CRLF rows), an optional BOM
 * so Excel shows Chinese, and cells that would start a spreadsheet formula
 * (=, +, -, @, tab, CR) prefixed with ' (OWASP's CSV injection guard): a
 * student named "=HYPERLINK(…)" stays text on a teacher's computer.
 */
import { stringify } from 'csv-stringify/sync';

/** The cell as text that no spreadsheet evaluates. */
export function neutraliseFormula(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** Undoes neutraliseFormula on import (a cell Skyclass wrote: "'=x" → "=x"). */
export function restoreFormula(v: string): string {
  return /^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v;
}

export function toCsv(rows: (string | number)[][], opts: { bom?: boolean } = {}): string {
  return stringify(rows, {
    bom: opts.bom ?? false,
    record_delimiter: '\r\n',
    cast: { string: neutraliseFormula, number: (n) => String(n) },
    quoted_match: /[\r\n"]/,
  });
}
