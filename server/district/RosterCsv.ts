/**
 * Parsing a class roster CSV as teachers export it from Excel or WPS:
 * UTF-8 (with or without BOM) or GB18030/GBK, Chinese or English headers.
 * Every row gets a verdict; a malformed file as a whole is one clear error.
 */
import { parse } from 'csv-parse/sync';
import { AppError } from '../errors.ts';
import { USERNAME_RE } from './DistrictStore.ts';
import { passwordProblem } from '../auth/passwords.ts';

export const MAX_ROSTER_ROWS = 500;

export interface RosterRow {
  line: number;
  username: string;
  displayName: string;
  password?: string;
}

export interface RowError {
  line: number;
  username?: string;
  code: string;
  message: string;
}

const HEADER_ALIASES: Record<string, 'username' | 'displayName' | 'password'> = {
  username: 'username',
  用户名: 'username',
  学号: 'username',
  账号: 'username',
  displayname: 'displayName',
  name: 'displayName',
  姓名: 'displayName',
  password: 'password',
  密码: 'password',
  初始密码: 'password',
};

export function decodeCsv(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    // Excel on Chinese Windows saves "CSV" in the ANSI code page, i.e. GBK.
    return new TextDecoder('gb18030').decode(buf);
  }
}

/**
 * The records of a CSV file (header first), or one clear error for a file that cannot be read at all.
 * `what` names the header the file should start with, for the message about an empty file.
 */
export function readCsvRecords(text: string, what: string): string[][] {
  if (text.trim() === '') {
    throw new AppError(
      'CSV_MALFORMED',
      `The CSV file is empty. Put a header line (${what}) and one person per line.`,
    );
  }
  try {
    return parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new AppError(
      'CSV_MALFORMED',
      `The CSV file cannot be read${err.lines ? ` near line ${err.lines}` : ''}: ${err.message}. Save it again as "CSV UTF-8" and retry.`,
    );
  }
}

/** What is wrong with a person's row — its columns, username or name — if anything (rosters and staff lists). */
export function personRowProblem(
  rec: string[],
  header: string[],
  line: number,
  username: string,
  displayName: string,
): [code: string, message: string] | undefined {
  if (rec.length !== header.length)
    return ['ROW_COLUMNS', `line ${line} has ${rec.length} fields, the header has ${header.length}`];
  if (!USERNAME_RE.test(username))
    return [
      'ROW_USERNAME',
      `username "${username}" must be 3–40 lowercase letters, digits, dot, dash or underscore`,
    ];
  if (!displayName || displayName.length > 40) return ['ROW_NAME', 'the name must be 1–40 characters'];
  return undefined;
}

export function parseRosterCsv(text: string): { rows: RosterRow[]; errors: RowError[] } {
  const records = readCsvRecords(text, 'username,displayName,password');
  const header = records[0]!.map((h) => HEADER_ALIASES[h.replace(/\s+/g, '').toLowerCase()]);
  const idx = (col: 'username' | 'displayName' | 'password') => header.indexOf(col);
  if (idx('username') < 0 || idx('displayName') < 0) {
    throw new AppError(
      'CSV_MALFORMED',
      `The first line must be a header with at least the columns username and displayName (or 学号 and 姓名); found: ${records[0]!.join(', ')}.`,
    );
  }
  if (records.length - 1 > MAX_ROSTER_ROWS) {
    throw new AppError(
      'CSV_MALFORMED',
      `At most ${MAX_ROSTER_ROWS} students per import; this file has ${records.length - 1}. Split it.`,
    );
  }
  const rows: RosterRow[] = [];
  const errors: RowError[] = [];
  const seen = new Set<string>();
  records.slice(1).forEach((rec, i) => {
    const line = i + 2;
    const username = (rec[idx('username')] ?? '').toLowerCase();
    const displayName = rec[idx('displayName')] ?? '';
    const password = idx('password') >= 0 ? rec[idx('password')] || undefined : undefined;
    const fail = (code: string, message: string) =>
      errors.push({ line, username: username || undefined, code, message });
    const problem = personRowProblem(rec, records[0]!, line, username, displayName);
    if (problem) return fail(...problem);
    const pwProblem = password !== undefined ? passwordProblem(password) : undefined;
    if (pwProblem) return fail('ROW_PASSWORD', pwProblem);
    if (seen.has(username)) return fail('ROW_DUPLICATE', `username "${username}" appears twice in this file`);
    seen.add(username);
    rows.push({ line, username, displayName, ...(password ? { password } : {}) });
  });
  return { rows, errors };
}
