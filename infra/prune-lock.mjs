/* global URL, console */
// The registry this project is built against carries only the Linux builds of some
// native optional packages (msgpackr-extract's darwin/win32/linux-arm prebuilds, pulled
// in by BullMQ). `npm install` then writes a lock that names them without entries, and
// `npm ci` refuses it. Run `node infra/prune-lock.mjs` after `npm install` to drop the
// optional dependencies that have no entry in the lock.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
let dropped = 0;
for (const [name, pkg] of Object.entries(lock.packages)) {
  if (!pkg.optionalDependencies) continue;
  for (const dep of Object.keys(pkg.optionalDependencies)) {
    const nested = `${name}/node_modules/${dep}`;
    if (!lock.packages[`node_modules/${dep}`] && !lock.packages[nested]) {
      delete pkg.optionalDependencies[dep];
      dropped++;
    }
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`prune-lock: dropped ${dropped} optional dependencies missing from the lock`);
