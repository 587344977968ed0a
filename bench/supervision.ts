/**
 * `npm run bench:supervision`: the district supervision roll-up at full size.
 * One real Skyclass instance (its embedded redis-server) holds a district of
 * 50 schools × 9 grades × 8 classes × 45 students (162,000 students, two
 * co-teachers a class) and a week of data: each grade's timetable of the 7
 * days, every student's watch log of each day (most watch the whole morning,
 * some half, some not at all; co-teachers listen along or not), one homework
 * a class a day with ~85 % handed in, questions and answers in the class
 * rooms.
 *
 * Measured, in the same process tree:
 *  - baseline: summarising the week from those raw logs (what the background
 *    sweep does, spread over the week; also what a roll-up computed at
 *    request time would cost);
 *  - rollup_ms: the district's week as the supervision page asks for it
 *    (GET /api/supervision?from=…&to=…, over HTTP, median of 5), and a
 *    school's.
 * redis_mb: Redis's used memory with all of it loaded.
 * Last line: {"bench":"supervision","students":…,"rollup_ms":…,"redis_mb":…}
 *   usage: npm run bench:supervision [-- --schools 50 --classes 8 --students 45 --days 7]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startService } from '../server/Service.ts';
import { localDate, slotInstant } from '../server/timetable/epg.ts';
import type { Slot } from '../server/timetable/model.ts';
import { TimetableStore } from '../server/timetable/TimetableStore.ts';
import type { SchoolClass } from '../server/district/model.ts';

const { values: opts } = parseArgs({
  options: {
    schools: { type: 'string', default: '50' },
    classes: { type: 'string', default: '8' },
    students: { type: 'string', default: '45' },
    days: { type: 'string', default: '7' },
  },
});
const SCHOOLS = Number(opts.schools);
const CLASSES = Number(opts.classes);
const STUDENTS = Number(opts.students);
const DAYS = Number(opts.days);
const GRADES = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const TZ = 'Asia/Shanghai';
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A deterministic pseudo-random stream (the same district every run). */
let seed = 20261202;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

/** Lessons a day per school level: count and minutes (within the default daily caps). */
const dayPlan = (g: number) => (g <= 2 ? { n: 3, min: 20 } : g <= 6 ? { n: 4, min: 30 } : { n: 5, min: 40 });

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-supervision-'));
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const config = loadConfig({
    DATA_DIR: dir,
    PORT: '0',
    SFU: 'off',
    TRANSCODE_WORKER: 'off',
    PASSWORD_HASH_COST: '10',
    SUPERVISION_SWEEP_EVERY: '0s',
    TIMEZONE: TZ,
  });
  const svc = await startService(config, logger);
  const redis = svc.core.redis.redis;
  const store = svc.core.store;
  const sup = svc.supervision!;
  // The store the scheduler and attendance read (published as the timetable page does, rules aside).
  const timetables = new TimetableStore(redis);
  try {
    const students = SCHOOLS * GRADES.length * CLASSES * STUDENTS;
    console.log(
      `Seeding ${SCHOOLS} schools × ${GRADES.length} grades × ${CLASSES} classes × ${STUDENTS} students = ${students} students, ${DAYS} days…`,
    );
    let t0 = performance.now();
    await store.setDistrict({ id: 'bench', name: '基准测试区' });
    for (const g of GRADES) await store.addGrade(g);
    const classes: SchoolClass[] = [];
    const studentsOf = new Map<string, string[]>();
    const teachersOf = new Map<string, string[]>();
    for (let s = 0; s < SCHOOLS; s++) {
      const school = await store.createSchool(`第${s + 1}学校`, `sch_b${s}`);
      for (const g of GRADES)
        for (let c = 0; c < CLASSES; c++)
          classes.push(
            await store.createClass({
              id: `cls_b${s}_${g}_${c}`,
              schoolId: school.id,
              grade: g,
              name: `${g}年级（${c + 1}）班`,
            }),
          );
    }
    await pool(classes, 32, async (cls) => {
      const ids: string[] = [];
      for (let i = 0; i < STUDENTS; i++) {
        const u = await store.createUser({
          id: `usr_${cls.id.slice(4)}_${i}`,
          username: `b-${cls.id.slice(4).replace(/_/g, '-')}-${i}`,
          displayName: `学生${i + 1}`,
          role: 'student',
          passwordHash: 'x',
          schoolId: cls.schoolId,
          classIds: [cls.id],
        });
        ids.push(u.id);
      }
      studentsOf.set(cls.id, ids);
      const ts: string[] = [];
      for (let i = 0; i < 2; i++) {
        const t = await store.createUser({
          id: `usr_t_${cls.id.slice(4)}_${i}`,
          username: `bt-${cls.id.slice(4).replace(/_/g, '-')}-${i}`,
          displayName: `老师${i + 1}`,
          role: 'co_teacher',
          passwordHash: 'x',
          schoolId: cls.schoolId,
          classIds: [cls.id],
        });
        ts.push(t.id);
      }
      teachersOf.set(cls.id, ts);
    });
    console.log(`  district: ${round((performance.now() - t0) / 1000)} s`);

    // The week: timetables, watch logs, homework, questions.
    t0 = performance.now();
    const today = localDate(TZ);
    const dates = Array.from({ length: DAYS }, (_, i) =>
      new Date(Date.parse(`${today}T12:00:00Z`) - (DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10),
    );
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const slotsOf = new Map<string, Slot[]>();
    for (const date of dates) {
      const days = GRADES.map((g) => {
        const { n, min } = dayPlan(g);
        // From 08:00, lessons of `min` minutes with 15-minute breaks.
        const slots: Slot[] = Array.from({ length: n }, (_, i) => ({
          id: `slt_${g}_${date}_${i}`,
          grade: g,
          date,
          start: hhmm(480 + i * (min + 15)),
          end: hhmm(480 + i * (min + 15) + min),
          subject: '数学',
          title: `第${i + 1}课`,
          source: { kind: 'recorded', lessonId: `les_bench_${g}_${i}` },
        }));
        slotsOf.set(`${g}|${date}`, slots);
        return { grade: g, date, slots };
      });
      await timetables.publish(days, 'bench');
    }
    const at = (date: string, t: string) => slotInstant(date, t, TZ).getTime();
    const view = (from: number, to: number, ref: string) =>
      JSON.stringify({
        kind: 'channel',
        ref,
        position: 0,
        device: 'tv-box',
        tab: 'bench-tab',
        since: from,
        last: to,
      });
    let writes = 0;
    for (const date of dates) {
      for (const cls of classes) {
        const slots = slotsOf.get(`${cls.grade}|${date}`)!;
        const first = at(date, slots[0]!.start);
        const last = at(date, slots.at(-1)!.end);
        const half = at(date, slots[Math.floor(slots.length / 2)]!.start);
        const m = redis.pipeline();
        const people = [
          ...studentsOf.get(cls.id)!.map((id) => [id, 0.9] as const),
          ...teachersOf.get(cls.id)!.map((id) => [id, 0.8] as const),
        ];
        for (const [uid, whole] of people) {
          const r = rand();
          if (r < whole)
            m.rpush(`sc:pres:log:${uid}:${date}`, view(first - 60_000, last, `grade-${cls.grade}`));
          else if (r < whole + 0.05)
            m.rpush(`sc:pres:log:${uid}:${date}`, view(first, half, `grade-${cls.grade}`));
          else continue;
          m.expire(`sc:pres:log:${uid}:${date}`, 150 * 86_400);
          writes++;
        }
        // One homework a class a day, due at 20:00; ~85 % hand it in.
        const hw = `hw_b_${cls.id.slice(4)}_${date}`;
        const due = at(date, '20:00');
        m.set(
          `sc:hw:a:${hw}`,
          JSON.stringify({
            id: hw,
            classIds: [cls.id],
            subject: '数学',
            title: '练习',
            date,
            dueAt: new Date(due).toISOString(),
            expectedMinutes: 20,
            attachments: [],
          }),
        );
        m.zadd(`sc:hw:class:${cls.id}`, due, hw);
        for (const uid of studentsOf.get(cls.id)!)
          if (rand() < 0.85)
            m.hset(
              `sc:hw:sub:${hw}`,
              uid,
              JSON.stringify({ studentId: uid, state: 'submitted', text: '完成', at: due - 3_600_000 }),
            );
        m.hincrby(`sc:room:${cls.id}:daily`, `${date}:question`, Math.floor(rand() * 10));
        m.hincrby(`sc:room:${cls.id}:daily`, `${date}:answer`, Math.floor(rand() * 8));
        await m.exec();
      }
    }
    console.log(
      `  a week of logs (${writes} watch-day logs), homework and questions: ${round((performance.now() - t0) / 1000)} s`,
    );

    // Baseline: the week summarised from the raw logs (the background sweep's work).
    t0 = performance.now();
    for (const date of dates) await sup.summariseAll(classes, date, at(today, '23:59'));
    const summariseMs = performance.now() - t0;
    console.log(
      `baseline: summarising ${classes.length} classes × ${DAYS} days from the raw logs: ${round(summariseMs / 1000)} s (${round(summariseMs / (classes.length * DAYS), 2)} ms a class-day)`,
    );

    // The roll-up, as the supervision page asks for it.
    const admin = await store.createUser({
      username: 'bench-admin',
      displayName: '区管理员',
      role: 'district_admin',
      passwordHash: 'x',
    });
    const token = (await svc.core.sessions.create(admin.id)).token;
    const get = async (q: string) => {
      const t = performance.now();
      const r = await fetch(`${svc.url}/api/supervision?${q}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await r.json()) as {
        totals: { students: number; attendancePct: number; homeworkPct: number; dutyPct: number };
        children: unknown[];
      };
      if (r.status !== 200) throw new Error(`roll-up: ${r.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - t, body };
    };
    const q = `from=${dates[0]}&to=${today}`;
    await get(q); // warm-up
    const runs: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await get(q);
      runs.push(last.ms);
    }
    const rollupMs = median(runs);
    const schoolMs = median(
      await Promise.all([0, 1, 2].map(async () => (await get(`${q}&school=sch_b0`)).ms)),
    );
    const t = last!.body.totals;
    console.log(
      `district week: ${t.students} students, attendance ${t.attendancePct} %, homework ${t.homeworkPct} %, teachers on duty ${t.dutyPct} %, ${last!.body.children.length} schools`,
    );
    console.log(
      `roll-up (district, ${DAYS} days, over HTTP): median ${round(rollupMs)} ms of ${runs.map((x) => round(x)).join(', ')}; one school: ${round(schoolMs)} ms`,
    );
    console.log(
      `ratio: the roll-up takes ${round(rollupMs / summariseMs, 5)} × the time of computing it from the raw logs (${round(summariseMs / rollupMs, 0)}× faster)`,
    );
    const info = await redis.info('memory');
    const usedMb = Number(/used_memory:(\d+)/.exec(info)![1]) / 1048576;
    let supBytes = 0;
    for (const date of dates)
      supBytes += Number((await redis.call('MEMORY', 'USAGE', `sc:sup:${date}`)) ?? 0);
    console.log(`redis: ${round(usedMb)} MB used, of which the summaries ${round(supBytes / 1048576, 2)} MB`);
    if (t.students !== students)
      throw new Error(`the roll-up counted ${t.students} students, expected ${students}`);
    console.log(
      JSON.stringify({ bench: 'supervision', students, rollup_ms: round(rollupMs), redis_mb: round(usedMb) }),
    );
  } finally {
    await svc.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
