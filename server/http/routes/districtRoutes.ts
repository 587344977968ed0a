import { AppError, notFound } from '../../errors.ts';
import {
  assertCan,
  canManageStudents,
  canViewClass,
  canViewRoster,
  canViewSchool,
  canViewUser,
  requireRole,
} from '../../auth/policy.ts';
import { eraseAccount } from '../../privacy/personalData.ts';
import { generatePassword } from '../../auth/passwords.ts';
import { decodeCsv, parseRosterCsv, type RowError } from '../../district/RosterCsv.ts';
import type { SchoolClass, User } from '../../district/model.ts';
import type { AppDeps } from '../AppDeps.ts';
import type { RouteRegistry } from '../RouteRegistry.ts';

export function registerDistrictRoutes(r: RouteRegistry, deps: AppDeps): void {
  const { store, personal } = deps;

  const visibleClass = async (user: User, id: string): Promise<SchoolClass> => {
    const cls = await store.requireClass(id);
    assertCan(canViewClass(user, cls), `You can only open your own classes; ${cls.name} is not one of them.`);
    return cls;
  };

  const withCounts = async (classes: SchoolClass[]) =>
    Promise.all(classes.map(async (c) => ({ ...c, studentCount: await store.countStudents(c.id) })));

  r.add('GET /api/district', {
    tag: 'district',
    summary: 'District, grades and the schools this user may see',
    auth: 'any',
    async handler({ user }) {
      const [district, grades, schools] = await Promise.all([
        store.getDistrict(),
        store.listGrades(),
        store.listSchools(),
      ]);
      return {
        district: district ?? null,
        grades,
        schools: schools.filter((s) => canViewSchool(user, s.id)),
      };
    },
  });

  r.add('POST /api/schools', {
    tag: 'district',
    summary: 'Create a school',
    auth: ['district_admin'],
    status: 201,
    handler: ({ body }) => store.createSchool(body.name),
  });

  r.add('GET /api/classes', {
    tag: 'district',
    summary: 'Classes this user may see (own classes, own school, or own grades)',
    auth: 'any',
    async handler({ user }) {
      const classes = (await store.listClasses()).filter((c) => canViewClass(user, c));
      return { classes: await withCounts(classes) };
    },
  });

  r.add('POST /api/classes', {
    tag: 'district',
    summary: 'Create a class',
    auth: ['district_admin', 'school_admin'],
    status: 201,
    async handler({ user, body }) {
      assertCan(canViewSchool(user, body.schoolId), 'You can only add classes to your own school.');
      return store.createClass(body);
    },
  });

  r.add('GET /api/classes/:id', {
    tag: 'district',
    summary: 'One class, with its teachers',
    auth: 'any',
    async handler({ user, params }) {
      const cls = await visibleClass(user, params.id);
      const [school, teachers, studentCount] = await Promise.all([
        store.getSchool(cls.schoolId),
        store.listClassTeachers(cls.id),
        store.countStudents(cls.id),
      ]);
      return {
        class: { ...cls, studentCount },
        school,
        teachers,
        canManageStudents: canManageStudents(user, cls),
      };
    },
  });

  r.add('GET /api/classes/:id/students', {
    tag: 'district',
    summary: "A class's students (its teachers and school admins only)",
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params }) {
      const cls = await visibleClass(user, params.id);
      assertCan(canViewRoster(user, cls), 'Only the teachers of this class can see its students.');
      return { students: await store.listStudents(cls.id) };
    },
  });

  const createStudent = async (
    cls: SchoolClass,
    s: { username: string; displayName: string; password?: string },
  ) => {
    const pw = s.password ?? generatePassword();
    const user = await store.createUser({
      username: s.username,
      displayName: s.displayName,
      role: 'student',
      schoolId: cls.schoolId,
      classIds: [cls.id],
      passwordHash: await deps.passwords.hash(pw),
    });
    return { user, initialPassword: s.password ? undefined : pw };
  };

  const managedClass = async (user: User, id: string) => {
    const cls = await visibleClass(user, id);
    assertCan(
      canManageStudents(user, cls),
      'Only the class teacher (班主任) or a school administrator can manage students of this class.',
    );
    return cls;
  };

  r.add('POST /api/classes/:id/students', {
    tag: 'district',
    summary: 'Add a student to the class (class teacher or admin)',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    status: 201,
    async handler({ user, params, body }) {
      const cls = await managedClass(user, params.id);
      return createStudent(cls, body);
    },
  });

  r.add('POST /api/classes/:id/students/import', {
    tag: 'district',
    summary: 'Import a class roster from CSV (username,displayName[,password]); returns a per-row report',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params, req }) {
      const cls = await managedClass(user, params.id);
      if (!Buffer.isBuffer(req.body)) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Send the roster as the request body with Content-Type: text/csv.',
        );
      }
      const { rows, errors } = parseRosterCsv(decodeCsv(req.body));
      const created: { line: number; user: User; initialPassword?: string }[] = [];
      const rowErrors: RowError[] = [...errors];
      for (const row of rows) {
        try {
          const res = await createStudent(cls, row);
          created.push({ line: row.line, ...res });
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          rowErrors.push({
            line: row.line,
            username: row.username,
            code: e.code === 'CONFLICT' ? 'ROW_EXISTS' : 'ROW_INVALID',
            message: e.message,
          });
        }
      }
      rowErrors.sort((a, b) => a.line - b.line);
      return { created: created.length, failed: rowErrors.length, rows: created, errors: rowErrors };
    },
  });

  r.add('POST /api/users', {
    tag: 'users',
    summary: 'Create a staff account (admins)',
    auth: ['district_admin', 'school_admin'],
    status: 201,
    async handler({ user, body }) {
      if (user.role === 'school_admin') {
        if (body.role !== 'co_teacher' && body.role !== 'school_admin') {
          throw new AppError(
            'FORBIDDEN_ROLE',
            'A school administrator can create co-teachers and school administrators only.',
          );
        }
        assertCan(body.schoolId === user.schoolId, 'You can only create accounts in your own school.');
      }
      const { password: pw, ...rest } = body;
      const passwordHash = await deps.passwords.hash(pw);
      return store.createUser({ ...rest, passwordHash });
    },
  });

  r.add('GET /api/users/:id', {
    tag: 'users',
    summary: 'One user (self, their teachers, or admins of their school)',
    auth: 'any',
    async handler({ user, params }) {
      const target = await store.getUser(params.id);
      if (!target) throw notFound(`User ${params.id}`);
      const classes = (await Promise.all((target.classIds ?? []).map((c) => store.getClass(c)))).filter(
        (c): c is SchoolClass => !!c,
      );
      assertCan(
        canViewUser(user, target, classes),
        'You can only see your own account or your own students.',
      );
      return { user: target };
    },
  });

  /**
   * Whether `actor` may manage (reset, switch off, erase) `target`: a student by
   * their class teacher or an admin of their school; staff of a school by its
   * admins; anyone by a district admin. Nobody manages their own account here.
   */
  const managedUser = async (actor: User, id: string, action: string): Promise<User> => {
    const target = await store.getUser(id);
    if (!target) throw notFound(`User ${id}`);
    if (target.id === actor.id)
      throw new AppError(
        'FORBIDDEN_SCOPE',
        `You cannot ${action} your own account; ask another administrator.`,
      );
    if (target.role === 'student') {
      const cls = await store.requireClass(target.classIds![0]!);
      assertCan(
        canManageStudents(actor, cls),
        `Only the class teacher (班主任) or an administrator of the student's school can ${action} this account.`,
      );
    } else {
      requireRole(actor, ['district_admin', 'school_admin'], `${action} a staff account`);
      assertCan(
        actor.role === 'district_admin' ||
          (!!target.schoolId && target.schoolId === actor.schoolId && target.role !== 'district_admin'),
        `You can only ${action} accounts of your own school.`,
      );
    }
    return target;
  };

  r.add('PUT /api/users/:id/disabled', {
    tag: 'users',
    summary:
      'Switch an account off (it cannot sign in; its sessions and sockets end at once) or on again (class teacher for students, admins)',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params, body }) {
      const target = await managedUser(user, params.id, body.disabled ? 'switch off' : 'switch on');
      const updated = await store.setDisabled(target.id, body.disabled);
      const sessionsEnded = body.disabled ? await deps.sessions.endAll(target.id) : 0;
      await personal.audit.record(user, body.disabled ? 'account.disable' : 'account.enable', target);
      return { user: updated, sessionsEnded };
    },
  });

  r.add('DELETE /api/users/:id', {
    tag: 'users',
    summary:
      'Erase an account and everything stored about the person (class teacher for students, school admins for their school, district admins); written to the audit log',
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params }) {
      const target = await managedUser(user, params.id, 'erase');
      return eraseAccount(personal, user, target);
    },
  });

  r.add('GET /api/audit', {
    tag: 'users',
    summary: 'The audit log of account and data actions (district admins: all; school admins: their school)',
    auth: ['district_admin', 'school_admin'],
    async handler({ user }) {
      const scope = user.role === 'school_admin' ? { schoolId: user.schoolId } : {};
      return { entries: await personal.audit.list(scope) };
    },
  });

  r.add('POST /api/users/:id/password', {
    tag: 'users',
    summary: "Reset a student's password (class teacher or admin); ends the student's sessions",
    auth: ['district_admin', 'school_admin', 'co_teacher'],
    async handler({ user, params, body }) {
      const target = await managedUser(user, params.id, 'reset the password of');
      const pw = body.password ?? generatePassword();
      const hash = await deps.passwords.hash(pw);
      await store.setPasswordHash(target.id, hash);
      await deps.loginGuard.clear(target.username);
      const ended = await deps.sessions.endAll(target.id);
      return { user: target, newPassword: body.password ? undefined : pw, sessionsEnded: ended };
    },
  });
}
