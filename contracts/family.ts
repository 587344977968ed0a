/**
 * Parents on the wire: their children, each child's day (timetable with
 * attendance), homework and feedback, the class notices they read and
 * acknowledge, the absence notices they get, and how a class teacher links
 * parents (an account made beside the roster, or a printed invitation code).
 */
import { z } from 'zod';
import { DateString, IsoTime } from './common.ts';
import { Password, User } from './district.ts';
import { AttendanceSlot, SlotAttendance } from './presence.ts';
import { MyHomework } from './homework.ts';

/** A phone number for the district's SMS/WeChat gateway (digits, an optional leading +). */
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?\d{6,15}$/, 'must be a phone number: 6–15 digits, optionally starting with +');

export const Child = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  classId: z.string(),
  className: z.string(),
  grade: z.number().int(),
  schoolName: z.string().optional(),
});
export type Child = z.infer<typeof Child>;

export const MyChildren = z.object({ children: z.array(Child) });

/** One child's day: every lesson of their grade with how the child attended it. */
export const ChildDayQuery = z.object({ date: DateString.optional() });
export const ChildDay = z.object({
  date: z.string(),
  timeZone: z.string(),
  slots: z.array(AttendanceSlot.extend({ attendance: SlotAttendance })),
});
export type ChildDay = z.infer<typeof ChildDay>;
export const ChildHomework = MyHomework;

/** A TV check-in by a parent on the family's screen, for one of their children. */
export const ParentCheckIn = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{4}$/, 'must be the 4 digits shown on the channel'),
});

export const NOTICE_KINDS = ['class', 'absence'] as const;
export const Notice = z.object({
  id: z.string(),
  kind: z.enum(NOTICE_KINDS),
  classId: z.string(),
  className: z.string(),
  title: z.string(),
  body: z.string(),
  authorName: z.string(),
  createdAt: IsoTime,
  /** Absence notices: the child and the lesson missed. */
  studentId: z.string().optional(),
  studentName: z.string().optional(),
  date: z.string().optional(),
  slotId: z.string().optional(),
});
export type Notice = z.infer<typeof Notice>;
export const MyNotice = Notice.extend({ acknowledgedAt: IsoTime.optional() });
export const MyNotices = z.object({ notices: z.array(MyNotice), unread: z.number().int() });
export type MyNotices = z.infer<typeof MyNotices>;

export const NewNotice = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(60, 'must be at most 60 characters'),
  body: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2,000 characters'),
});
/** A class's notices as its teachers see them: who has read each. */
export const ClassNotices = z.object({
  parents: z.number().int(),
  notices: z.array(
    Notice.extend({
      acknowledged: z.number().int(),
      /** Parents who have not acknowledged yet: their name and their child's. */
      waiting: z.array(z.object({ parentName: z.string(), childName: z.string() })),
    }),
  ),
});

/** The class's parents per student, for the class teacher. */
export const ClassParents = z.object({
  students: z.array(
    z.object({
      id: z.string(),
      username: z.string(),
      displayName: z.string(),
      parents: z.array(User.pick({ id: true, username: true, displayName: true })),
    }),
  ),
});
export const NewParent = z.object({
  studentId: z.string().min(1),
  username: z.string().trim().min(1),
  displayName: z.string().trim().min(1).max(40),
  password: Password.optional(),
  phone: Phone.optional(),
});
export const CreatedParent = z.object({ user: User, initialPassword: z.string().optional() });

/** Printable invitation codes, one per student; a code links up to INVITE_USES parent accounts. */
export const INVITE_USES = 4;
export const ParentInvite = z.object({
  studentId: z.string(),
  studentName: z.string(),
  code: z.string(),
  expiresAt: IsoTime,
  used: z.number().int(),
});
export const ParentInvites = z.object({ className: z.string(), invites: z.array(ParentInvite) });
export const InviteCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(
    /^[2-9A-HJ-NP-Z]{4}-?[2-9A-HJ-NP-Z]{4}$/,
    'must be the 8-character code on the invitation (like K7QD-3MPX)',
  );
/** A parent signs up with the code the class teacher printed. */
export const ParentSignUp = z.object({
  code: InviteCode,
  username: z.string().trim().min(1),
  displayName: z.string().trim().min(1).max(40),
  password: Password,
  phone: Phone.optional(),
});
export const SignedUp = z.object({ user: User, child: Child });
/** A signed-in parent links another child with that child's code. */
export const LinkChild = z.object({ code: InviteCode });
