/** Runs a short-lived ffmpeg/ffprobe command and collects its output (for probes, posters, checks). */
import { spawn } from 'node:child_process';
import { MediaError } from './MediaError.ts';
import { dieWithParent, wrappedCommandMissing } from '../process/childHygiene.ts';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runTool(
  bin: string,
  args: string[],
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const run = dieWithParent(bin, args);
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'], signal: opts.signal });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 64_000) stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err.name === 'AbortError' ? new MediaError('TRANSCODE_CANCELLED') : err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (wrappedCommandMissing(code, stderr)) {
        reject(Object.assign(new Error(`spawn ${bin} ENOENT`), { code: 'ENOENT' }));
        return;
      }
      resolve({ code, stdout, stderr });
    });
  });
}
