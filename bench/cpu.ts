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

/** CPU ticks (user + system, USER_HZ) another process has used so far. */
export function processTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** CPU of a process between two tick readings, in percent of one core. */
export const ticksToPct = (ticks: number, ms: number) => (ticks / TICKS / (ms / 1000)) * 100;

/** CPU a process uses over the next `ms`, in percent of one core. */
export async function processCpuPct(pid: number, ms: number): Promise<number> {
  const a = processTicks(pid);
  await new Promise((r) => setTimeout(r, ms));
  return ticksToPct(processTicks(pid) - a, ms);
}

/** Resident memory of a process, MB. */
export const processRssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
