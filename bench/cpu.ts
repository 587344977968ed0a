/** CPU time of this process and of the children it has reaped (ffmpeg), from /proc (Linux). */
import fs from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

export function cpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime=14, stime=15, cutime=16, cstime=17
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (utime! + stime! + cutime! + cstime!) / TICKS;
}
