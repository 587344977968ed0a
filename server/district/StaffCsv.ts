/**
 * Parsing a staff list CSV (教职工名单) as schools export it from Excel or
 * WPS: UTF-8 or GBK, Chinese or English headers. Columns: username, name,
 * role, and as the role needs them classes (co-teachers: class names of the
 * school, separated by 、 ; or |), subjects, grades (lead teachers), an
 * optional password (else one is generated and shown once). Every row gets a
 * verdict; a malformed file as a whole is one clear error.
 */
import { AppError } from '../errors.ts';
import { passwordProblem } from '../auth/passwords.ts';
import { personRowProblem, readCsvRecords, type RowError } from './RosterCsv.ts';

export const MAX_STAFF_ROWS = 500;

export type StaffRole = 'co_teacher' | 'school_admin' | 'lead_teacher';

export interface StaffRow {
  line: number;
  username: string;
  displayName: string;
  role: StaffRole;
  classNames: string[];
  subjects: string[];
  grades: number[];
  password?: string;
}

type Column = 'username' | 'displayName' | 'role' | 'classes' | 'subjects' | 'grades' | 'password';

const HEADER_ALIASES: Record<string, Column> = {
  username: 'username',
  用户名: 'username',
  账号: 'username',
  工号: 'username',
  displayname: 'displayName',
  name: 'displayName',
  姓名: 'displayName',
  role: 'role',
  角色: 'role',
  classes: 'classes',
  班级: 'classes',
  任教班级: 'classes',
  subjects: 'subjects',
  学科: 'subjects',
  任教学科: 'subjects',
  grades: 'grades',
  年级: 'grades',
  password: 'password',
  密码: 'password',
  初始密码: 'password',
};

const ROLE_ALIASES: Record<string, StaffRole> = {
  co_teacher: 'co_teacher',
  任课教师: 'co_teacher',
  班级教师: 'co_teacher',
  辅导教师: 'co_teacher',
  班主任: 'co_teacher',
  school_admin: 'school_admin',
  学校管理员: 'school_admin',
  lead_teacher: 'lead_teacher',
  主讲教师: 'lead_teacher',
};

const GRADE_ZH = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二'];
const list = (v: string | undefined) =>
  (v ?? '')
    .split(/[、;；|]/)
    .map((x) => x.trim())
    .filter(Boolean);

/** "3", "三年级" or "3年级" → 3. */
function gradeOf(v: string): number | undefined {
  const n = Number(v.replace(/年级$/, ''));
  if (Number.isInteger(n) && n >= 1 && n <= 12) return n;
  const i = GRADE_ZH.indexOf(v.replace(/年级$/, ''));
  return i >= 0 ? i + 1 : undefined;
}

export function parseStaffCsv(text: string): { rows: StaffRow[]; errors: RowError[] } {
  const records = readCsvRecords(text, 'username,displayName,role,classes,subjects,grades,password');
  const header = records[0]!.map((h) => HEADER_ALIASES[h.replace(/\s+/g, '').toLowerCase()]);
  const idx = (col: Column) => header.indexOf(col);
  if (idx('username') < 0 || idx('displayName') < 0 || idx('role') < 0) {
    throw new AppError(
      'CSV_MALFORMED',
      `The first line must be a header with at least username, displayName and role (or 用户名, 姓名, 角色); found: ${records[0]!.join(', ')}.`,
    );
  }
  if (records.length - 1 > MAX_STAFF_ROWS) {
    throw new AppError(
      'CSV_MALFORMED',
      `At most ${MAX_STAFF_ROWS} people per import; this file has ${records.length - 1}. Split it.`,
    );
  }
  const rows: StaffRow[] = [];
  const errors: RowError[] = [];
  const seen = new Set<string>();
  records.slice(1).forEach((rec, i) => {
    const line = i + 2;
    const cell = (c: Column) => (idx(c) >= 0 ? (rec[idx(c)] ?? '') : '');
    const username = cell('username').toLowerCase();
    const displayName = cell('displayName');
    const fail = (code: string, message: string) =>
      errors.push({ line, username: username || undefined, code, message });
    const problem = personRowProblem(rec, records[0]!, line, username, displayName);
    if (problem) return fail(...problem);
    const role = ROLE_ALIASES[cell('role').replace(/\s+/g, '').toLowerCase()];
    if (!role)
      return fail(
        'ROW_ROLE',
        `role "${cell('role')}" is not one of co_teacher (任课教师), school_admin (学校管理员), lead_teacher (主讲教师)`,
      );
    const classNames = list(cell('classes'));
    const subjects = list(cell('subjects'));
    const gradeCells = list(cell('grades'));
    const grades = gradeCells.map(gradeOf);
    if (grades.some((g) => g === undefined))
      return fail('ROW_GRADES', `grades "${cell('grades')}" must be numbers 1–12 or 一年级…十二年级`);
    if (subjects.some((s) => s.length > 20))
      return fail('ROW_SUBJECTS', 'a subject is at most 20 characters');
    if (role === 'co_teacher' && !classNames.length)
      return fail('ROW_CLASSES', 'a co-teacher needs the classes they follow (e.g. 三年级（1）班)');
    if (role === 'lead_teacher' && (!grades.length || !subjects.length))
      return fail('ROW_GRADES', 'a lead teacher needs at least one grade and one subject');
    const password = cell('password') || undefined;
    const pwProblem = password !== undefined ? passwordProblem(password) : undefined;
    if (pwProblem) return fail('ROW_PASSWORD', pwProblem);
    if (seen.has(username)) return fail('ROW_DUPLICATE', `username "${username}" appears twice in this file`);
    seen.add(username);
    rows.push({
      line,
      username,
      displayName,
      role,
      classNames,
      subjects,
      grades: grades as number[],
      ...(password ? { password } : {}),
    });
  });
  return { rows, errors };
}
