/**
 * Children that die with Skyclass, and a start that clears what a crashed run
 * left behind.
 *
 * - dieWithParent(): every child is started through util-linux `setpriv
 *   --pdeathsig SIGTERM`, so the kernel signals it the moment the Node process
 *   dies, even by SIGKILL or the OOM killer. SIGTERM (not SIGKILL) lets
 *   redis-server flush its append-only file and Janus close cleanly.
 * - Pid files: long-lived children (redis-server, Janus) record their pid and
 *   kernel start time under DATA_DIR; the next start reaps a still-running
 *   process of that record (SIGTERM, then SIGKILL) before starting its own, so
 *   two redis-servers never share one data directory. The start time guards
 *   against a recycled pid.
 * Not covered: children of a child that detaches on its own (none here).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessLogger } from './ProcessLogger.ts';

const SETPRIV_CANDIDATES = ['/usr/bin/setpriv', '/bin/setpriv'];
let setpriv: string | null | undefined;

function setprivPath(): string | null {
  if (setpriv === undefined) {
    setpriv =
      process.platform === 'linux' ? (SETPRIV_CANDIDATES.find((p) => fs.existsSync(p)) ?? null) : null;
  }
  return setpriv;
}

/** The command and arguments that start `command` so that it gets SIGTERM when this process dies. */
export function dieWithParent(command: string, args: string[]): { command: string; args: string[] } {
  const sp = setprivPath();
  if (!sp) return { command, args };
  return { command: sp, args: ['--pdeathsig', 'SIGTERM', '--', command, ...args] };
}

/**
 * Whether a wrapped child ended because its command does not exist: setpriv
 * then exits 127 with "failed to execute". Callers report it as they report
 * a spawn ENOENT ("not installed"), not as a crash.
 */
export function wrappedCommandMissing(code: number | null, output: string): boolean {
  return code === 127 && /setpriv: failed to execute .*: (No such file|Permission denied)/.test(output);
}

/** Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

interface PidRecord {
  pid: number;
  startTime: string;
  name: string;
}

export function writePidFile(file: string, pid: number, name: string): void {
  const st = startTime(pid);
  if (!st) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid, startTime: st, name } satisfies PidRecord));
}

export function removePidFile(file: string, pid: number | undefined): void {
  try {
    const rec = JSON.parse(fs.readFileSync(file, 'utf8')) as PidRecord;
    if (rec.pid === pid) fs.rmSync(file, { force: true });
  } catch {
    /* no pid file, or not ours: nothing to remove */
  }
}

/** Running (not a zombie waiting for a parent to reap it) and still the process the record names. */
function alive(pid: number, st: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[0] !== 'X' && fields[19] === st;
  } catch {
    return false;
  }
}

/** Stops the process a previous run recorded in `file`, if it still runs. Returns its pid, if it did. */
export async function reapStale(file: string, logger: ProcessLogger): Promise<number | undefined> {
  let rec: PidRecord;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
  fs.rmSync(file, { force: true });
  if (!Number.isInteger(rec.pid) || rec.pid <= 1 || !alive(rec.pid, rec.startTime)) return undefined;
  logger.warn(
    { pid: rec.pid, name: rec.name },
    `${rec.name}: stopping a stale process left by an earlier run`,
  );
  process.kill(rec.pid, 'SIGTERM');
  const until = Date.now() + 5000;
  while (Date.now() < until && alive(rec.pid, rec.startTime)) await new Promise((r) => setTimeout(r, 50));
  if (alive(rec.pid, rec.startTime)) {
    process.kill(rec.pid, 'SIGKILL');
    while (alive(rec.pid, rec.startTime)) await new Promise((r) => setTimeout(r, 20));
  }
  return rec.pid;
}
