/** Schools, grades, classes and people on the wire. */
import { z } from 'zod';
import { IsoTime, Role } from './common.ts';

export const SCHOOL_LEVELS = [
  'primary_lower',
  'primary_upper',
  'junior_secondary',
  'senior_secondary',
] as const;
export const SchoolLevel = z.enum(SCHOOL_LEVELS);

export const District = z.object({ id: z.string(), name: z.string() });
export const School = z.object({ id: z.string(), name: z.string() });
export const Grade = z.object({ number: z.number().int(), level: SchoolLevel, name: z.string() });
export const SchoolClass = z.object({
  id: z.string(),
  schoolId: z.string(),
  grade: z.number().int(),
  name: z.string(),
  /** The class teacher (班主任), one of the class's co-teachers. */
  classTeacherId: z.string().optional(),
});
export const ClassView = SchoolClass.extend({ studentCount: z.number().int() });
export type ClassView = z.infer<typeof ClassView>;

/** A person as the API shows them (never a password hash). */
export const User = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: Role,
  schoolId: z.string().optional(),
  grades: z.array(z.number().int()).optional(),
  subjects: z.array(z.string()).optional(),
  classIds: z.array(z.string()).optional(),
  /** Switched off by an administrator: cannot sign in. */
  disabled: z.boolean().optional(),
  /** Parents: a phone number for the district's SMS/WeChat gateway. */
  phone: z.string().optional(),
  createdAt: IsoTime,
});
export type User = z.infer<typeof User>;

export const DistrictInfo = z.object({
  district: District.nullable(),
  grades: z.array(Grade),
  schools: z.array(School),
});
export type DistrictInfo = z.infer<typeof DistrictInfo>;

export const CreateSchool = z.object({ name: z.string().trim().min(1).max(60) });
export const CreateClass = z.object({
  schoolId: z.string().min(1),
  grade: z.number().int().min(1).max(12),
  name: z.string().trim().min(1).max(40),
});

export const ClassDetail = z.object({
  class: ClassView,
  school: School.optional(),
  teachers: z.array(User),
  canManageStudents: z.boolean(),
});
export type ClassDetail = z.infer<typeof ClassDetail>;

/** Rules for passwords users choose or teachers set for students. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8) return 'password must be at least 8 characters';
  if (password.length > 128) return 'password must be at most 128 characters';
  return undefined;
}
export const Password = z.string().superRefine((v, ctx) => {
  const p = passwordProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});

export const NewStudent = z.object({
  username: z.string().trim().min(1),
  displayName: z.string().trim().min(1).max(40),
  password: Password.optional(),
});
export const CreatedStudent = z.object({ user: User, initialPassword: z.string().optional() });
export type CreatedStudent = z.infer<typeof CreatedStudent>;

export const RowError = z.object({
  line: z.number().int(),
  username: z.string().optional(),
  code: z.string(),
  message: z.string(),
});
export const RosterImportReport = z.object({
  created: z.number().int(),
  failed: z.number().int(),
  rows: z.array(CreatedStudent.extend({ line: z.number().int() })),
  errors: z.array(RowError),
});
export type RosterImportReport = z.infer<typeof RosterImportReport>;

export const NewStaff = z.object({
  username: z.string().trim().min(1),
  displayName: z.string().trim().min(1).max(40),
  role: z.enum(['district_admin', 'school_admin', 'lead_teacher', 'co_teacher']),
  password: Password,
  schoolId: z.string().optional(),
  grades: z.array(z.number().int().min(1).max(12)).optional(),
  subjects: z.array(z.string().trim().min(1).max(20)).optional(),
  classIds: z.array(z.string()).optional(),
});

/** Staff of a school (?school=; school admins: their own), or the district's own staff (lead teachers, district admins). */
export const StaffQuery = z.object({ school: z.string().max(64).optional() });

export const AuditEntry = z.object({
  id: z.string(),
  at: IsoTime,
  actorId: z.string(),
  actorName: z.string(),
  actorRole: z.string(),
  action: z.enum([
    'account.erase',
    'data.erase',
    'account.disable',
    'account.enable',
    'data.export',
    'attendance.mark',
    'live.start_outside_slot',
  ]),
  targetId: z.string(),
  targetUsername: z.string(),
  targetRole: z.string(),
  schoolId: z.string().optional(),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const SetDisabled = z.object({ disabled: z.boolean() });
export const SetPassword = z.object({ password: Password.optional() });
export const PasswordReset = z.object({
  user: User,
  newPassword: z.string().optional(),
  sessionsEnded: z.number().int(),
});

export const ErasedData = z.object({
  removedKeys: z.number().int(),
  removedMessages: z.number().int(),
  removedPositions: z.number().int(),
  /** Homework submissions (with earlier versions) removed, their files too. */
  removedSubmissions: z.number().int(),
});
export type ErasedData = z.infer<typeof ErasedData>;
export const ErasedAccount = ErasedData.extend({ erased: z.string(), sessionsEnded: z.number().int() });
