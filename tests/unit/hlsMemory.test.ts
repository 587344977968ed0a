import { describe, expect, it } from 'vitest';
import { ObjectMemory } from '../../server/http/hlsOrigin.ts';
import type { ObjectInfo } from '../../core/storage/Storage.ts';

const info = (key: string, size: number): ObjectInfo => ({
  key,
  size,
  lastModified: new Date(0),
  contentType: 'video/iso.segment',
});

describe('the origin’s segment memory', () => {
  it('keeps an object from its second request on, not one asked for once', () => {
    let t = 0;
    const m = new ObjectMemory(1000, () => t);
    expect(m.offer('a', info('a', 100), Buffer.alloc(100))).toBe(false); // a replay segment one child watches
    expect(m.get('a')).toBeUndefined();
    t += 1000;
    expect(m.offer('a', info('a', 100), Buffer.alloc(100))).toBe(true); // asked again: popular
    expect(m.get('a')?.body.length).toBe(100);
    // Long after the first request, a second one is a first one again.
    expect(m.offer('b', info('b', 100), Buffer.alloc(100))).toBe(false);
    t += ObjectMemory.ADMIT_WINDOW_MS + 1;
    expect(m.offer('b', info('b', 100), Buffer.alloc(100))).toBe(false);
  });

  it('drops what nobody asked for in a minute, and stays within its bound', () => {
    let t = 0;
    const m = new ObjectMemory(800, () => t);
    const keys = ['x', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'z'];
    for (const k of keys) {
      m.offer(k, info(k, 100), Buffer.alloc(100));
      m.offer(k, info(k, 100), Buffer.alloc(100));
    }
    expect(m.bytes).toBe(800); // x went first (least recently used)
    expect(m.get('x')).toBeUndefined();
    expect(m.get('z')).toBeDefined();
    t += ObjectMemory.IDLE_MS + 1;
    expect(m.get('z')).toBeUndefined();
    expect(m.bytes).toBe(0);
    // Nothing larger than an eighth of the bound, and nothing at all when it is 0.
    expect(new ObjectMemory(800, () => t).offer('big', info('big', 200), Buffer.alloc(200))).toBe(false);
    const off = new ObjectMemory(0, () => t);
    off.offer('k', info('k', 1), Buffer.alloc(1));
    expect(off.offer('k', info('k', 1), Buffer.alloc(1))).toBe(false);
  });
});
