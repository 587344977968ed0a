import { describe, expect, it } from 'vitest';
import { demoPlan } from '../../server/district/demoDistrict.ts';
import { gradeNameZh, levelOfGrade } from '../../server/district/model.ts';
import { nextBackoff } from '../../core/process/Supervisor.ts';
import { redisServerArgs } from '../../server/redis/EmbeddedRedis.ts';

describe('district model', () => {
  it('maps grades to school levels', () => {
    expect([1, 2, 3, 6, 7, 9, 10, 12].map(levelOfGrade)).toEqual([
      'primary_lower',
      'primary_lower',
      'primary_upper',
      'primary_upper',
      'junior_secondary',
      'junior_secondary',
      'senior_secondary',
      'senior_secondary',
    ]);
    expect(() => levelOfGrade(0)).toThrow(RangeError);
    expect(gradeNameZh(3)).toBe('三年级');
  });

  it('demo district: 2 schools, grades 1–9 × 2 classes, a lead teacher per grade, unique usernames', () => {
    const plan = demoPlan(3);
    expect(plan.schools).toHaveLength(2);
    expect(plan.classes).toHaveLength(2 * 9 * 2);
    expect(plan.users.filter((u) => u.role === 'lead_teacher').map((u) => u.grades)).toEqual([
      [1],
      [2],
      [3],
      [4],
      [5],
      [6],
      [7],
      [8],
      [9],
    ]);
    expect(plan.users.filter((u) => u.role === 'student')).toHaveLength(36 * 3);
    expect(new Set(plan.users.map((u) => u.username)).size).toBe(plan.users.length);
    expect(plan.classes.every((c) => plan.users.some((u) => u.classTeacherOf === c.key))).toBe(true);
    expect(plan.users.every((u) => /[\u4e00-\u9fa5]/.test(u.displayName))).toBe(true);
  });
});

describe('process helpers', () => {
  it('backs off exponentially up to a cap', () => {
    const seq: number[] = [];
    let b = 0;
    for (let i = 0; i < 8; i++) seq.push((b = nextBackoff(b, 200, 5000)));
    expect(seq).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('runs redis-server on a unix socket only, with AOF', () => {
    const args = redisServerArgs('/d', '/d/redis.sock');
    expect(args.slice(0, 4)).toEqual(['--port', '0', '--unixsocket', '/d/redis.sock']);
    expect(args).toContain('--appendonly');
    expect(args[args.indexOf('--appendonly') + 1]).toBe('yes');
  });
});
