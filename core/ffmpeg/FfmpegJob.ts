/**
 * An ffmpeg run that works through a file (a transcode): a ManagedProcess
 * whose ready signal is its first progress report, with progress parsed
 * from `-progress pipe:1` and cancellation through an AbortSignal.
 */
import { ManagedProcess, type ExitInfo } from '../process/ManagedProcess.ts';
import type { ProcessLogger } from '../process/ProcessLogger.ts';
import { MediaError } from './MediaError.ts';

export interface FfmpegProgress {
  /** Seconds of output written so far. */
  outTimeSec: number;
  speed?: number;
  done: boolean;
}

/** Parses one `-progress` key=value line into the running state; returns a report at each block end. */
export function progressParser(): (line: string) => FfmpegProgress | undefined {
  let outTimeSec = 0;
  let speed: number | undefined;
  return (line) => {
    const eq = line.indexOf('=');
    if (eq < 0) return undefined;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'out_time_us' || key === 'out_time_ms') {
      const us = Number(value);
      if (Number.isFinite(us) && us >= 0) outTimeSec = us / 1e6;
    } else if (key === 'speed') {
      const s = parseFloat(value);
      if (Number.isFinite(s)) speed = s;
    } else if (key === 'progress') {
      return { outTimeSec, ...(speed !== undefined ? { speed } : {}), done: value === 'end' };
    }
    return undefined;
  };
}

export interface FfmpegJobOptions {
  bin?: string;
  args: string[];
  logger: ProcessLogger;
  signal?: AbortSignal;
  onProgress?: (p: FfmpegProgress) => void;
  startTimeoutMs?: number;
}

export async function runFfmpegJob(o: FfmpegJobOptions): Promise<ExitInfo> {
  if (o.signal?.aborted) throw new MediaError('TRANSCODE_CANCELLED');
  const parse = progressParser();
  const proc = new ManagedProcess({
    name: 'ffmpeg',
    command: o.bin ?? 'ffmpeg',
    args: o.args,
    logger: o.logger,
    readyLine: (line) => line.startsWith('progress='),
    startTimeoutMs: o.startTimeoutMs ?? 60_000,
    stopInput: 'q',
    stopTimeoutMs: 3000,
  });
  const stderr: string[] = [];
  proc.on('line', (stream, line) => {
    if (stream === 'stderr') {
      stderr.push(line);
      if (stderr.length > 20) stderr.shift();
      return;
    }
    const p = parse(line);
    if (p) o.onProgress?.(p);
  });
  let cancelled = false;
  const onAbort = () => {
    cancelled = true;
    void proc.stop();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await proc.start();
    const info = await proc.waitExit();
    if (cancelled) throw new MediaError('TRANSCODE_CANCELLED');
    if (info.code !== 0) {
      throw new MediaError(
        'TRANSCODE_FAILED',
        `ffmpeg exited with ${info.code ?? info.signal}: ${stderr.slice(-3).join(' | ')}`,
      );
    }
    return info;
  } catch (err) {
    if (cancelled) throw new MediaError('TRANSCODE_CANCELLED');
    if (err instanceof MediaError) throw err;
    throw new MediaError('TRANSCODE_FAILED', `${(err as Error).message}; ${stderr.slice(-3).join(' | ')}`);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (proc.state !== 'exited' && proc.state !== 'new') await proc.stop();
  }
}
