/**
 * A private network namespace for WebRTC tests (root only). Janus never
 * gathers ICE candidates on a loopback interface, and no test may use this
 * machine's LAN address, so the namespace gets a veth pair with 127.0.0.2
 * on one end: a non-loopback interface that still never leaves the box.
 * Janus and Chromium run inside it through `nsenter`; their control
 * channels (Janus's unix socket, Chromium's DevTools pipe) cross fine.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface NetNs {
  name: string;
  /** The address Janus gathers ICE candidates on. */
  iceAddress: string;
  iceInterface: string;
  /** argv prefix that runs a command inside the namespace. */
  prefix: string[];
  /** An executable that runs Chromium inside the namespace (for playwright's executablePath). */
  chromiumWrapper: string;
  remove(): void;
}

export function canCreateNetns(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return undefined;
}

export function createNetns(workDir: string): NetNs {
  const name = `skytest-${process.pid}-${crypto.randomBytes(2).toString('hex')}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ip('netns', 'add', name);
  try {
    ip('-n', name, 'link', 'set', 'lo', 'up');
    ip('-n', name, 'link', 'add', 'sc0', 'type', 'veth', 'peer', 'name', 'sc1');
    ip('-n', name, 'addr', 'add', '127.0.0.2/32', 'dev', 'sc0');
    ip('-n', name, 'link', 'set', 'sc0', 'up');
    ip('-n', name, 'link', 'set', 'sc1', 'up');
  } catch (err) {
    ip('netns', 'del', name);
    throw err;
  }
  const prefix = ['nsenter', `--net=/run/netns/${name}`, '--'];
  const chromiumWrapper = path.join(workDir, 'chromium-in-netns.sh');
  fs.writeFileSync(
    chromiumWrapper,
    `#!/bin/sh\nexec ${prefix.join(' ')} ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} "$@"\n`,
    { mode: 0o755 },
  );
  return {
    name,
    iceAddress: '127.0.0.2',
    iceInterface: 'sc0',
    prefix,
    chromiumWrapper,
    remove: () => {
      try {
        ip('netns', 'del', name);
      } catch {
        /* already gone */
      }
    },
  };
}

/**
 * Makes a TCP service of this process reachable at http://127.0.0.1:<port> inside the
 * namespace (for Chromium there): namespace TCP → unix socket → service TCP.
 */
export async function bridgeIntoNetns(
  ns: NetNs,
  workDir: string,
  target: { host: string; port: number },
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const { default: net } = await import('node:net');
  const { spawn } = await import('node:child_process');
  const sock = path.join(workDir, `bridge-${port}.sock`);
  fs.rmSync(sock, { force: true });
  const outer = net.createServer((c) => {
    const up = net.connect(target.port, target.host);
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => outer.listen(sock, r));
  const inner = spawn(
    ns.prefix[0]!,
    [
      ...ns.prefix.slice(1),
      process.execPath,
      path.resolve('tests/helpers/tcpBridge.mjs'),
      String(port),
      sock,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    inner.stdout!.once('data', () => resolve());
    inner.once('exit', (code) => reject(new Error(`bridge exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      inner.kill();
      await new Promise<void>((r) => outer.close(() => r()));
    },
  };
}
