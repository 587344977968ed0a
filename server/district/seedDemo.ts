import type { Redis } from 'ioredis';
import { hashPassword } from '../auth/passwords.ts';
import type { DistrictStore } from './DistrictStore.ts';
import { DEMO_PASSWORD, demoPlan } from './demoDistrict.ts';
import { linkParent } from '../family/Family.ts';

/** Removes every Skyclass key (sc:*), leaving other data in a shared Redis alone. */
export async function wipeSkyclassData(redis: Redis): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'sc:*', 'COUNT', 500);
    cursor = next;
    const keep = keys.filter((k) => k !== 'sc:secret:session');
    if (keep.length) removed += await redis.del(...keep);
  } while (cursor !== '0');
  return removed;
}

export async function seedDemo(
  store: DistrictStore,
  opts: {
    passwordCost: number;
    studentsPerClass?: number;
    onProgress?: (done: number, total: number) => void;
    /** Links the demo parents to their children (without it, no parent accounts are made). */
    redis?: Redis;
  },
): Promise<{ users: number; classes: number }> {
  const all = demoPlan(opts.studentsPerClass);
  const plan = opts.redis ? all : { ...all, users: all.users.filter((u) => u.role !== 'parent') };
  await store.setDistrict(plan.district);
  for (const g of plan.grades) await store.addGrade(g);
  const schoolId = new Map(plan.schools.map((s) => [s.key, s.id]));
  const classId = new Map(plan.classes.map((c) => [c.key, c.id]));
  for (const s of plan.schools) await store.createSchool(s.name, s.id);
  for (const c of plan.classes)
    await store.createClass({ id: c.id, schoolId: schoolId.get(c.schoolKey)!, grade: c.grade, name: c.name });

  // Hash in small parallel batches: scrypt runs on libuv's thread pool.
  let done = 0;
  const ids = new Map<string, string>();
  for (let i = 0; i < plan.users.length; i += 4) {
    const batch = plan.users.slice(i, i + 4);
    const hashes = await Promise.all(batch.map(() => hashPassword(DEMO_PASSWORD, opts.passwordCost)));
    for (const [j, u] of batch.entries()) {
      const created = await store.createUser({
        username: u.username,
        displayName: u.displayName,
        role: u.role,
        passwordHash: hashes[j]!,
        ...(u.schoolKey ? { schoolId: schoolId.get(u.schoolKey)! } : {}),
        ...(u.classKeys ? { classIds: u.classKeys.map((k) => classId.get(k)!) } : {}),
        ...(u.grades ? { grades: u.grades } : {}),
        ...(u.subjects ? { subjects: u.subjects } : {}),
      });
      ids.set(u.username, created.id);
      done += 1;
    }
    opts.onProgress?.(done, plan.users.length);
  }
  for (const u of plan.users) {
    if (u.classTeacherOf) await store.setClassTeacher(classId.get(u.classTeacherOf)!, ids.get(u.username)!);
    if (u.parentOf && opts.redis) await linkParent(opts.redis, ids.get(u.username)!, ids.get(u.parentOf)!);
  }
  return { users: plan.users.length, classes: plan.classes.length };
}
