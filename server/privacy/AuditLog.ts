/**
 * The audit log of actions on people's data (account erasure, data deletion,
 * accounts switched off): who did what to whom, when. A Redis stream capped
 * at about 100,000 entries; school admins read their school's entries.
 */
import type { Redis } from 'ioredis';
import type { User } from '../district/model.ts';

export type { AuditEntry } from '../../contracts/district.ts';
import type { AuditEntry } from '../../contracts/district.ts';

const KEY = 'sc:audit';

export class AuditLog {
  readonly #redis: Redis;
  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async write(e: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    const entry = { ...e, at: new Date().toISOString() };
    await this.#redis.xadd(KEY, 'MAXLEN', '~', '100000', '*', 'e', JSON.stringify(entry));
  }

  /** One action by a signed-in user on another user's account or data. */
  record(actor: User, action: AuditEntry['action'], target: User, detail?: string): Promise<void> {
    return this.write({
      actorId: actor.id,
      actorName: actor.displayName,
      actorRole: actor.role,
      action,
      targetId: target.id,
      targetUsername: target.username,
      targetRole: target.role,
      ...(target.schoolId ? { schoolId: target.schoolId } : {}),
      ...(detail ? { detail } : {}),
    });
  }

  /** The newest entries first; `schoolId` limits them to one school. */
  async list(opts: { schoolId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = opts.limit ?? 200;
    const out: AuditEntry[] = [];
    let end = '+';
    while (out.length < limit) {
      const batch = await this.#redis.xrevrange(KEY, end, '-', 'COUNT', 500);
      if (!batch.length) break;
      for (const [id, fields] of batch) {
        const e = { id, ...(JSON.parse(fields[1]!) as Omit<AuditEntry, 'id'>) };
        if (!opts.schoolId || e.schoolId === opts.schoolId) out.push(e);
        if (out.length >= limit) break;
      }
      if (batch.length < 500) break;
      const last = batch.at(-1)![0];
      const [ms, seq] = last.split('-').map(Number) as [number, number];
      end = seq > 0 ? `${ms}-${seq - 1}` : `${ms - 1}`;
    }
    return out;
  }
}
