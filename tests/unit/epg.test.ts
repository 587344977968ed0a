import { describe, expect, it } from 'vitest';
import type { Slot } from '../../server/timetable/model.ts';
import {
  nowNext,
  programmes,
  slotInstant,
  toXmltv,
  utcOffset,
  xmltvTime,
} from '../../server/timetable/epg.ts';

const slot = (start: string, end: string, o: Partial<Slot> = {}): Slot => ({
  id: `s-${start}`,
  grade: 3,
  date: '2026-11-23',
  start,
  end,
  subject: '数学',
  source: { kind: 'live' },
  ...o,
});

describe('EPG', () => {
  it('turns local slot times into instants in the district’s zone', () => {
    expect(utcOffset('Asia/Shanghai')).toBe('+0800');
    expect(slotInstant('2026-11-23', '08:00', 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-23T00:00:00.000Z',
    );
    expect(slotInstant('2026-07-01', '08:00', 'Europe/Berlin').toISOString()).toBe(
      '2026-07-01T06:00:00.000Z',
    ); // summer time
    expect(xmltvTime('2026-11-23T00:20:00.000Z', 'Asia/Shanghai')).toBe('20261123082000 +0800');
  });
  it('finds now and next', () => {
    const list = programmes(
      [slot('08:00', '08:20'), slot('08:35', '08:55', { subject: '语文' })],
      'Asia/Shanghai',
    );
    expect(nowNext(list, new Date('2026-11-23T00:10:00Z'))).toMatchObject({
      now: { subject: '数学' },
      next: { subject: '语文' },
    });
    expect(nowNext(list, new Date('2026-11-23T00:25:00Z'))).toMatchObject({
      now: null,
      next: { subject: '语文' },
    });
    expect(nowNext(list, new Date('2026-11-23T02:00:00Z'))).toEqual({ now: null, next: null });
  });
  it('writes XMLTV: channels first, escaped text, zone-qualified times', () => {
    const list = programmes([slot('08:00', '08:20', { title: '<分数> & "小数"' })], 'Asia/Shanghai');
    const xml = toXmltv([3, 4], list, 'Asia/Shanghai', 'http://127.0.0.1:8080');
    expect(xml.indexOf('<channel id="grade-4.skyclass">')).toBeLessThan(xml.indexOf('<programme'));
    expect(xml).toContain(
      '<programme start="20261123080000 +0800" stop="20261123082000 +0800" channel="grade-3.skyclass">',
    );
    expect(xml).toContain('<title lang="zh">数学：&lt;分数&gt; &amp; &quot;小数&quot;</title>');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">')).toBe(
      true,
    );
  });
});
