import type { DistrictStore } from './DistrictStore.ts';
import type { User } from './model.ts';

/** The grades a user follows: a lead teacher's own, or those of the user's classes. Admins: none needed (they see all). */
export async function gradesOf(store: DistrictStore, user: User): Promise<number[]> {
  if (user.role === 'lead_teacher') return user.grades ?? [];
  const classes = await Promise.all((user.classIds ?? []).map((id) => store.getClass(id)));
  return [...new Set(classes.filter((c) => !!c).map((c) => c!.grade))];
}
