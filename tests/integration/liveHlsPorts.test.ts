/**
 * The live pipeline's RTP ports. ffmpeg binds each SDP port and the one
 * above it (RTCP) on 0.0.0.0, so a port taken on any address, or a taken
 * neighbour, makes it exit with "bind failed". On a busy media node (the
 * SFU's ports, browsers, other lessons) that happened now and then, and the
 * lesson's live HLS never started: the restarted ffmpeg got the same ports.
 * Now the pairs are checked on every address before they are handed out, and
 * each ffmpeg run draws fresh ones (the SFU's forwarder follows it).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rtpPortPairs, udpPortsBound } from '../../media/live/rtpPorts.ts';
import { canCreateNetns, createNetns } from '../helpers/netns.ts';
import { liveHlsOnDisk, spawnRtpTeacher } from '../helpers/rtpTeacher.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';

const ROOT = path.resolve('.');
const cannot = canCreateNetns();

describe.skipIf(!!cannot)(`RTP port pairs${cannot ? ` (skipped: ${cannot})` : ''}`, () => {
  it('hands out only pairs free on every address, and says so when none is left', () => {
    // A namespace of its own whose kernel hands out just 40000–40007, with 40001, 40003 and 40005 taken
    // on another address: 40000, 40002 and 40004 are free on 127.0.0.1 but useless to ffmpeg.
    const ns = createNetns(tmpDir('rtpports'));
    try {
      execFileSync('ip', [
        'netns',
        'exec',
        ns.name,
        'sysctl',
        '-qw',
        'net.ipv4.ip_local_port_range=40000 40007',
      ]);
      const script = `
        import dgram from 'node:dgram';
        import { rtpPortPairs } from ${JSON.stringify(path.join(ROOT, 'media/live/rtpPorts.ts'))};
        for (const p of [40001, 40003, 40005]) await new Promise((r) => dgram.createSocket('udp4').bind(p, '127.0.0.2', r));
        const one = await rtpPortPairs(1);
        const two = await rtpPortPairs(2).then(String, (e) => e.message);
        console.log(JSON.stringify({ one, two }));
        process.exit(0);
      `;
      const out = execFileSync(
        'nsenter',
        [
          `--net=/run/netns/${ns.name}`,
          '--',
          process.execPath,
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          script,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      const { one, two } = JSON.parse(out.trim().split('\n').at(-1)!) as { one: number[]; two: string };
      expect(one).toEqual([40006]);
      expect(two).toMatch(/found 1 of 2 free UDP port pairs/);
    } finally {
      ns.remove();
    }
  });
});

describe('whether ffmpeg listens yet', () => {
  it("reads the process's socket table without touching its ports", async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '0.0.0.0', r));
    const [mine, free] = [s.address().port, (await rtpPortPairs(1))[0]!];
    try {
      expect(await udpPortsBound(process.pid, [mine])).toBe(true);
      expect(await udpPortsBound(process.pid, [mine, free])).toBe(false);
    } finally {
      s.close();
    }
  });
});

describe('a live ffmpeg run that cannot bind its ports', () => {
  const dir = tmpDir('live-ports');
  let sender: ChildProcess | undefined;
  const blockers: dgram.Socket[] = [];
  afterAll(async () => {
    sender?.kill('SIGKILL');
    blockers.forEach((s) => s.close());
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('starts again on other ports, the forwarder follows, and the playlist continues', async () => {
    const { live, storage, state } = liveHlsOnDisk(dir, 'live_00000000000000pp');
    await live.start();
    // The SFU's part (LiveHlsManager): each ffmpeg run is sent to where it listens, once it listens.
    const follow = () => {
      sender?.kill('SIGKILL');
      void live.listening().then((yes) => {
        expect(yes).toBe(true);
        sender = spawnRtpTeacher(live);
      });
    };
    follow();
    const segments = () => state.lists.get('source')?.length ?? 0;
    await waitFor(async () => segments() >= 2, 'two segments from the first run', 30_000, 250);
    const first = { audio: live.audioPort, video: live.videoPort };
    live.supervisor!.on('started', follow);
    // ffmpeg dies, and another program takes the ports above its own (RTCP) on another address at once.
    live.supervisor!.once('crashed', () => {
      for (const p of [first.audio + 1, first.video + 1]) {
        const s = dgram.createSocket('udp4');
        s.bind(p, '127.0.0.2');
        blockers.push(s);
      }
    });
    process.kill(live.supervisor!.current!.pid!, 'SIGKILL');
    const before = segments();
    await waitFor(async () => segments() >= before + 2, 'segments from a later run', 30_000, 250);
    expect([live.audioPort, live.videoPort]).not.toEqual([first.audio, first.video]);
    const records = state.lists.get('source')!;
    // One discontinuity where the new run begins; the earlier segments stay as they were.
    expect(records.filter((r) => r.disc)).toHaveLength(1);
    expect(records.slice(0, before).every((r) => !r.disc)).toBe(true);
    sender?.kill('SIGKILL');
    sender = undefined;
    await live.end();
    expect(fs.existsSync(path.join(storage.root, 'live/live_00000000000000pp/source/index.m3u8'))).toBe(true);
  }, 90_000);
});
