/** npm run demo [-- --reset]: creates the demo district (idempotent). */
import { loadConfigOrExit } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startCore } from '../Core.ts';
import { seedDemo, wipeSkyclassData } from '../district/seedDemo.ts';
import { DEMO_PASSWORD } from '../district/demoDistrict.ts';
import { seedDemoChannels } from '../district/demoChannels.ts';
import { seedDemoFamily } from '../district/demoFamily.ts';
import { createPeople } from '../subsystems.ts';
import { TimetableStore } from '../timetable/TimetableStore.ts';
import { hashPassword } from '../auth/passwords.ts';
import { inAppOnly } from '../notify/Notifier.ts';

const config = loadConfigOrExit();
const reset = process.argv.includes('--reset');
const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
const core = await startCore(config, logger);
try {
  const existing = await core.store.getDistrict();
  if (existing && !reset) {
    console.log(
      `Demo data: the district "${existing.name}" already exists; nothing to do (npm run demo -- --reset recreates it).`,
    );
  } else {
    if (existing)
      console.log(`Removed ${await wipeSkyclassData(core.redis.redis)} keys of the old district.`);
    const result = await seedDemo(core.store, {
      passwordCost: config.PASSWORD_HASH_COST,
      redis: core.redis.redis,
      onProgress: (done, total) => {
        const pct = Math.round((done / total) * 100);
        const bar = `Creating demo accounts: [${'#'.repeat(Math.floor(pct / 5)).padEnd(20)}] ${done}/${total}`;
        if (process.stdout.isTTY) process.stdout.write(`\r${bar}`);
        else if (done === total || done % 40 < 4) console.log(bar);
      },
    });
    // A homework with its feedback and a notice to parents in the classes of school 1 grade 3.
    const people = createPeople(core, new TimetableStore(core.redis.redis), {
      hashPassword: (pw) => hashPassword(pw, config.PASSWORD_HASH_COST),
      notifier: inAppOnly,
    });
    await seedDemoFamily({ store: core.store, homework: people.homework, notices: people.notices });
    console.log(
      `\nDemo district ready: ${result.classes} classes, ${result.users} accounts. Every demo password is "${DEMO_PASSWORD}".`,
    );
    console.log(
      'Sign in as admin, s1-admin, lead-g3, t-s1-g3-1 (class teacher), s1-g3-1-01 (student) or p-s1-g3-1-01 (parent). See README.md.',
    );
  }
  // Demo lessons and the around-the-clock demo timetable (made once; new days are added on every run).
  const started = Date.now();
  const ch = await seedDemoChannels(core, { days: 3, onProgress: (line) => console.log(line) });
  console.log(
    `Demo channels ready: ${ch.lessons} approved demo lessons; ${ch.days} channel days added (${Math.round((Date.now() - started) / 1000)} s).`,
  );
} finally {
  await core.close();
}
