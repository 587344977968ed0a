/**
 * Staff accounts for the administration pages (学校与人员): the staff of a
 * school, or the district's own (lead teachers, district admins), and a
 * staff list imported from CSV with a per-row report (good rows created, bad
 * rows listed with the line and the reason). School admins work in their own
 * school and create co-teachers and school admins only; lead teachers are the
 * district's.
 */
import { AppError, notFound } from '../../errors.ts';
import { adminSchool } from '../../auth/policy.ts';
import { generatePassword } from '../../auth/passwords.ts';
import { decodeCsv, type RowError } from '../../district/RosterCsv.ts';
import { parseStaffCsv, type StaffRow } from '../../district/StaffCsv.ts';
import type { School, User } from '../../district/model.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';

const STAFF_ROLES = new Set(['district_admin', 'school_admin', 'lead_teacher', 'co_teacher']);
/** Class names as people type them: full- or half-width brackets, spaces. */
const normalClass = (n: string) => n.replace(/\s+/g, '').replace(/\(/g, '（').replace(/\)/g, '）');

export function registerStaffRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { store } = deps;

  /** The school a request works in: a school admin's own; a district admin's ?school= (none: the district's own staff). */
  const schoolOf = async (user: User, asked: string | undefined): Promise<School | undefined> => {
    const id = adminSchool(user, asked, {
      message: 'You manage the staff of your own school only.',
      messageZh: '你只能管理本校的教职工。',
    });
    if (!id) return undefined;
    const school = await store.getSchool(id);
    if (!school) throw notFound(`School ${id}`);
    return school;
  };

  r.add('GET /api/staff', {
    tag: 'users',
    summary:
      'Staff of a school (?school=; school admins: their own) — co-teachers and school admins — or, for district admins without ?school, the district’s lead teachers and admins',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, query }) {
      const school = await schoolOf(user, query.school);
      const people = school
        ? await store.listSchoolUsers(school.id)
        : [...(await store.listByRole('lead_teacher')), ...(await store.listByRole('district_admin'))];
      return { staff: people.filter((u) => STAFF_ROLES.has(u.role)) };
    },
  });

  r.add('POST /api/staff/import', {
    tag: 'users',
    summary:
      'Import staff from CSV (username,displayName,role[,classes,subjects,grades,password]; 用户名,姓名,角色,班级,学科,年级,密码) into ?school= (school admins: their own); returns a per-row report, generated passwords shown once',
    auth: ['district_admin', 'school_admin'],
    async handler({ user, query, req }) {
      if (!Buffer.isBuffer(req.body))
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the staff list as the request body with Content-Type: text/csv.',
        );
      const school = await schoolOf(user, query.school);
      const { rows, errors } = parseStaffCsv(decodeCsv(req.body));
      const classes = school
        ? new Map(
            (await store.listClasses())
              .filter((c) => c.schoolId === school.id)
              .map((c) => [normalClass(c.name), c]),
          )
        : new Map();
      const created: { line: number; user: User; initialPassword?: string }[] = [];
      const rowErrors: RowError[] = [...errors];
      const refuse = (row: StaffRow, code: string, message: string) =>
        rowErrors.push({ line: row.line, username: row.username, code, message });
      for (const row of rows) {
        if (row.role === 'lead_teacher' && user.role !== 'district_admin') {
          refuse(row, 'ROW_ROLE', 'lead teachers are the district’s: a district admin creates them');
          continue;
        }
        if (row.role !== 'lead_teacher' && !school) {
          refuse(
            row,
            'ROW_SCHOOL',
            `a ${row.role} belongs to a school: import into a school (choose it first)`,
          );
          continue;
        }
        const unknown = row.classNames.filter((n) => !classes.has(normalClass(n)));
        if (unknown.length) {
          const known = [...classes.values()]
            .map((c) => c.name)
            .slice(0, 6)
            .join('、');
          refuse(
            row,
            'ROW_CLASSES',
            `not classes of ${school!.name}: ${unknown.join('、')} (its classes: ${known || 'none yet'})`,
          );
          continue;
        }
        const pw = row.password ?? generatePassword();
        try {
          const u = await store.createUser({
            username: row.username,
            displayName: row.displayName,
            role: row.role,
            passwordHash: await deps.passwords.hash(pw),
            ...(row.role !== 'lead_teacher' ? { schoolId: school!.id } : {}),
            ...(row.classNames.length
              ? { classIds: row.classNames.map((n) => classes.get(normalClass(n))!.id) }
              : {}),
            ...(row.subjects.length ? { subjects: row.subjects } : {}),
            ...(row.grades.length ? { grades: row.grades } : {}),
          });
          created.push({ line: row.line, user: u, ...(row.password ? {} : { initialPassword: pw }) });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          refuse(row, e.code === 'CONFLICT' ? 'ROW_EXISTS' : 'ROW_INVALID', e.message);
        }
      }
      rowErrors.sort((a, b) => a.line - b.line);
      return { created: created.length, failed: rowErrors.length, rows: created, errors: rowErrors };
    },
  });
}
