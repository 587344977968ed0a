/**
 * Janus as Skyclass runs it: a private config (no demo rooms, only the
 * videoroom plugin, API on a unix socket with a secret), rooms through the
 * typed client, and rooms recreated after Janus is killed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JanusConnection, JanusError } from '../../media/janus/JanusClient.ts';
import { JanusSfu } from '../../media/janus/JanusSfu.ts';
import { controlSocketPath } from '../../media/janus/janusConfig.ts';
import { testLogger } from '../helpers/logger.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/waitFor.ts';

const room = (id: string) => ({
  id,
  description: `三年级数学 ${id}`,
  maxPublishers: 1,
  videoCodec: 'h264' as const,
  bitrate: 1_500_000,
  keyframeEverySec: 2,
});

let sfu: JanusSfu;
let dir: string;

beforeAll(async () => {
  dir = path.join(tmpDir('janus'), 'janus');
  sfu = new JanusSfu({ dir, logger: testLogger(), rtpPortRange: { min: 41000, max: 41200 } });
  await sfu.start();
}, 30_000);
afterAll(async () => sfu?.stop());

describe('Janus run by Skyclass', () => {
  it('starts with its private config: no demo rooms, only what Skyclass uses, secrets required', async () => {
    expect(await sfu.listRooms()).toEqual([]);
    const main = fs.readFileSync(path.join(dir, 'janus.jcfg'), 'utf8');
    expect(main).toMatch(/disable = ".*libjanus_echotest\.so.*"/);
    expect(main).toMatch(/disable = ".*libjanus_http\.so.*"/);
    expect(main).not.toMatch(/disable = ".*libjanus_videoroom\.so/);
    expect(fs.statSync(path.join(dir, 'janus.jcfg')).mode & 0o077).toBe(0);
    // A client without the API secret is refused.
    const intruder = await JanusConnection.connect(controlSocketPath(dir), 'wrong-secret');
    await expect(intruder.createSession()).rejects.toThrow(JanusError);
    intruder.close();
  });

  it('creates, lists and destroys rooms; a second create is harmless', async () => {
    await sfu.ensureRoom(room('lesson-a'));
    await sfu.ensureRoom(room('lesson-a'));
    await sfu.ensureRoom(room('lesson-b'));
    expect((await sfu.listRooms()).sort()).toEqual(['lesson-a', 'lesson-b']);
    expect(await sfu.participants('lesson-a')).toEqual([]);
    await sfu.destroyRoom('lesson-b');
    await sfu.destroyRoom('lesson-b');
    expect(await sfu.listRooms()).toEqual(['lesson-a']);
  });

  it('recreates its rooms after Janus is killed', async () => {
    const restarted = new Promise<void>((r) => sfu.once('restarted', () => r()));
    const pid = sfu.supervisor!.current!.pid!;
    process.kill(pid, 'SIGKILL');
    await restarted;
    const rooms = await waitFor(
      async () => {
        const r = await sfu.listRooms().catch(() => undefined);
        return r?.includes('lesson-a') ? r : undefined;
      },
      'the room to be back',
      10_000,
    );
    expect(rooms).toEqual(['lesson-a']);
    expect(sfu.supervisor!.current!.pid).not.toBe(pid);
  }, 20_000);
});
