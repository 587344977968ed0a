import { describe, expect, it } from 'vitest';
import type { User } from '../../server/district/model.ts';
import type { LiveLesson } from '../../server/live/LiveLesson.ts';
import {
  canCreateLive,
  canRunLive,
  canWatchLive,
  signPublishToken,
  verifyPublishToken,
} from '../../server/live/livePolicy.ts';
import {
  janusMainConfig,
  janusVideoroomConfig,
  janusWebsocketConfig,
} from '../../media/janus/janusConfig.ts';

const user = (role: User['role'], extra: Partial<User> = {}) =>
  ({ id: `usr_${role}`, role, displayName: role, ...extra }) as User;
const lesson = {
  id: 'live_0123456789abcdef',
  grade: 3,
  teacherId: 'usr_lead_teacher',
  status: 'live',
} as LiveLesson;

describe('live lesson policy', () => {
  it('only the lesson’s lead teacher or a district admin runs it; school admins, students and co-teachers never', () => {
    expect(canRunLive(user('lead_teacher', { grades: [3] }), lesson)).toBe(true);
    expect(canRunLive({ ...user('lead_teacher', { grades: [3] }), id: 'usr_other' }, lesson)).toBe(false);
    expect(canRunLive(user('school_admin'), lesson)).toBe(false);
    expect(canRunLive(user('district_admin'), lesson)).toBe(true);
    expect(canRunLive(user('student'), lesson)).toBe(false);
    expect(canRunLive(user('co_teacher'), lesson)).toBe(false);
  });
  it('the grade watches', () => {
    expect(canWatchLive(user('student'), lesson, [3])).toBe(true);
    expect(canWatchLive(user('student'), lesson, [4])).toBe(false);
    expect(canWatchLive(user('co_teacher'), lesson, [3, 4])).toBe(true);
  });
  it('lead teachers schedule for their grades', () => {
    expect(canCreateLive(user('lead_teacher', { grades: [3] }), 3)).toBe(true);
    expect(canCreateLive(user('lead_teacher', { grades: [3] }), 4)).toBe(false);
    expect(canCreateLive(user('student'), 3)).toBe(false);
  });
});

describe('publish tokens', () => {
  const key = 'k'.repeat(32);
  const now = Date.parse('2026-11-22T09:00:00Z');
  const token = signPublishToken(key, { lessonId: 'live_a', userId: 'usr_t', expiresAt: now + 60_000 });
  it('bind the lesson, the user and the expiry', () => {
    expect(verifyPublishToken(key, token, 'live_a', 'usr_t', now)).toBe('ok');
    expect(verifyPublishToken(key, token, 'live_b', 'usr_t', now)).toBe('invalid');
    expect(verifyPublishToken(key, token, 'live_a', 'usr_student', now)).toBe('invalid');
    expect(verifyPublishToken(key, token, 'live_a', 'usr_t', now + 120_000)).toBe('expired');
    expect(verifyPublishToken('x'.repeat(32), token, 'live_a', 'usr_t', now)).toBe('invalid');
  });
  it('refuse junk', () => {
    for (const junk of [undefined, 42, '', 'pub.1.2', token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]) {
      expect(verifyPublishToken(key, junk, 'live_a', 'usr_t', now)).toBe('invalid');
    }
  });
});

describe('Janus private config', () => {
  const o = {
    dir: '/srv/sky/janus',
    apiSecret: 's3cr3t',
    adminKey: 'adm"in',
    rtpPortRange: { min: 20000, max: 20999 },
    iceEnforceList: 'eth0',
    libDir: '/nonexistent',
  };
  it('sets secrets, ports, ICE and no admin API; quotes values', () => {
    const main = janusMainConfig(o);
    expect(main).toContain('api_secret = "s3cr3t"');
    expect(main).toContain('rtp_port_range = "20000-20999"');
    expect(main).toContain('ice_enforce_list = "eth0"');
    expect(main).toContain('configs_folder = "/srv/sky/janus"');
    expect(main).not.toContain('admin_secret');
    expect(janusWebsocketConfig(o)).toContain('ws_unix = "/srv/sky/janus/janus-api.sock"');
    expect(janusWebsocketConfig(o)).toContain('admin_ws = false');
    expect(janusVideoroomConfig(o)).toContain('admin_key = "adm\\"in"');
    expect(janusVideoroomConfig(o)).not.toMatch(/room-\d+/);
  });
});
