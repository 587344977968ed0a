/**
 * The server side of `npm run bench:presence`: one real Skyclass instance
 * (startService: express, socket.io with the Redis adapter, presence). The
 * first instance ("seed") also creates the bench district — one school, grade
 * 3, C classes of S students and one co-teacher each — and writes session
 * tokens to a file. Prints "READY {json}".
 *   usage: node --import tsx bench/presenceServer.ts <dataDir> seed|join <classes> <studentsPerClass> <tokensFile>
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startService } from '../server/Service.ts';
import { LiveStore } from '../server/live/LiveStore.ts';

const [dataDir, mode, c, s, tokensFile] = process.argv.slice(2);
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: '0',
  SFU: 'off',
  TRANSCODE_WORKER: 'off',
  PASSWORD_HASH_COST: '10',
  ...(mode === 'join' ? { REDIS_URL: `unix://${path.join(dataDir!, 'redis', 'redis.sock')}` } : {}),
});
const svc = await startService(config, logger);
if (mode === 'seed') {
  const store = svc.core.store;
  await store.setDistrict({ id: 'bench', name: 'Bench district' });
  const school = await store.createSchool('Bench school');
  await store.addGrade(3);
  // A scheduled grade-3 live lesson for the students to switch to (beats are checked against what they may watch).
  const now = new Date().toISOString();
  const liveId = LiveStore.newId();
  await svc.core.live.create({
    id: liveId,
    title: '直播',
    grade: 3,
    subject: '数学',
    teacherId: 'usr_bench',
    teacherName: 'bench',
    status: 'scheduled',
    roomId: `lesson-${liveId.slice(5)}`,
    createdAt: now,
    updatedAt: now,
  });
  const out: {
    liveId: string;
    students: { token: string; classId: string; id: string }[];
    teachers: { token: string; classId: string }[];
  } = { liveId, students: [], teachers: [] };
  for (let k = 0; k < Number(c); k++) {
    const cls = await store.createClass({ schoolId: school.id, grade: 3, name: `三年级（${k + 1}）班` });
    const t = await store.createUser({
      username: `bench-t-${k}`,
      displayName: `老师${k}`,
      role: 'co_teacher',
      passwordHash: 'x',
      schoolId: school.id,
      classIds: [cls.id],
    });
    out.teachers.push({ token: (await svc.core.sessions.create(t.id)).token, classId: cls.id });
    for (let i = 0; i < Number(s); i++) {
      const u = await store.createUser({
        username: `bench-s-${k}-${i}`,
        displayName: `学生${k}-${i}`,
        role: 'student',
        passwordHash: 'x',
        schoolId: school.id,
        classIds: [cls.id],
      });
      out.students.push({ token: (await svc.core.sessions.create(u.id)).token, classId: cls.id, id: u.id });
    }
  }
  fs.writeFileSync(tokensFile!, JSON.stringify(out));
}
console.log(`READY ${JSON.stringify({ url: svc.url, pid: process.pid })}`);
process.on('SIGTERM', () => void svc.close().then(() => process.exit(0)));
