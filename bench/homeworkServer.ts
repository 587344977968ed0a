/**
 * The server side of `npm run bench:homework`: one real Skyclass instance
 * (startService: express, tus, Redis, local storage) with a bench district —
 * one school, grade 3, C classes of S students, a co-teacher per class who
 * has set one homework — and session tokens written to a file. Prints
 * "READY {json}".
 *   usage: node --import tsx bench/homeworkServer.ts <dataDir> <classes> <studentsPerClass> <tokensFile>
 */
import fs from 'node:fs';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startService } from '../server/Service.ts';

const [dataDir, c, s, tokensFile] = process.argv.slice(2);
const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
const config = loadConfig({
  DATA_DIR: dataDir,
  PORT: '0',
  SFU: 'off',
  TRANSCODE_WORKER: 'off',
  PASSWORD_HASH_COST: '10',
});
const svc = await startService(config, logger);
const { store, sessions } = svc.core;
await store.setDistrict({ id: 'bench', name: 'Bench district' });
const school = await store.createSchool('Bench school');
await store.addGrade(3);
const out: { students: { token: string; assignmentId: string }[] } = { students: [] };
for (let k = 0; k < Number(c); k++) {
  const cls = await store.createClass({ schoolId: school.id, grade: 3, name: `三年级（${k + 1}）班` });
  const teacher = await store.createUser({
    username: `bench-t-${k}`,
    displayName: `老师${k}`,
    role: 'co_teacher',
    passwordHash: 'x',
    schoolId: school.id,
    classIds: [cls.id],
  });
  const a = await svc.homework!.create(teacher, {
    classIds: [cls.id],
    subject: '语文',
    title: '看图写话',
    instructions: '写三句话，拍照上传。',
    dueAt: new Date(Date.now() + 6 * 3600_000).toISOString(),
    expectedMinutes: 30,
    attachmentIds: [],
  });
  for (let i = 0; i < Number(s); i++) {
    const u = await store.createUser({
      username: `bench-s-${k}-${i}`,
      displayName: `学生${k}-${i}`,
      role: 'student',
      passwordHash: 'x',
      schoolId: school.id,
      classIds: [cls.id],
    });
    out.students.push({ token: (await sessions.create(u.id)).token, assignmentId: a.id });
  }
}
fs.writeFileSync(tokensFile!, JSON.stringify(out));
console.log(
  `READY ${JSON.stringify({ url: svc.url, pid: process.pid, storage: svc.core.storage.localPath?.('homework') })}`,
);
process.on('SIGTERM', () => void svc.close().then(() => process.exit(0)));
