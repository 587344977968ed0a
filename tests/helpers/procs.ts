/**
 * Child processes for the cluster tests and bench:cluster: started through
 * `setpriv --pdeathsig SIGKILL` (they die with the test), output kept in a
 * log file, killed with any signal (SIGKILL is the point of the fault tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startProc(
  name: string,
  command: string,
  args: string[],
  o: { env?: Record<string, string>; logDir: string; cwd?: string },
): Proc {
  const logFile = path.join(o.logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', command, ...args], {
    env: { ...o.env },
    cwd: o.cwd,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    child,
    logFile,
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A TCP port free on `host` right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The last lines of a process's log (for a failure message). */
export function tail(p: Proc, lines = 30): string {
  try {
    return fs.readFileSync(p.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
