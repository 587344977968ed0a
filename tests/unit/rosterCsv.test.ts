import { describe, expect, it } from 'vitest';
import { decodeCsv, parseRosterCsv } from '../../server/district/RosterCsv.ts';

describe('roster CSV', () => {
  it('reads good rows and reports bad ones by line', () => {
    const csv = [
      'username,displayName,password',
      'zhang01,张三,',
      'li02,李四,goodpassword',
      'BAD NAME,王五,',
      'zhao04,,',
      'qian05,钱六,short',
      'zhang01,张三又一次,',
      'sun07,孙七',
    ].join('\n');
    const { rows, errors } = parseRosterCsv(csv);
    expect(rows.map((r) => r.username)).toEqual(['zhang01', 'li02']);
    expect(rows[1]!.password).toBe('goodpassword');
    expect(rows[0]!.password).toBeUndefined();
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [4, 'ROW_USERNAME'],
      [5, 'ROW_NAME'],
      [6, 'ROW_PASSWORD'],
      [7, 'ROW_DUPLICATE'],
      [8, 'ROW_COLUMNS'],
    ]);
  });

  it('accepts Chinese headers, a BOM and GBK-encoded files from Excel', () => {
    const text = '\ufeff学号,姓名\r\nwang01,王小明\r\n';
    expect(parseRosterCsv(text).rows).toEqual([{ line: 2, username: 'wang01', displayName: '王小明' }]);
    // "学号,姓名\nwang01,王小明\n" in GBK
    const gbk = Buffer.from('d1a7bac52cd0d5c3fb0a77616e6730312ccdf5d0a1c3f70a', 'hex');
    expect(parseRosterCsv(decodeCsv(gbk)).rows[0]!.displayName).toBe('王小明');
  });

  it.each([
    ['', /empty/],
    ['name,class\nx,y', /header/],
    ['username,displayName\n"zhang01,张三', /cannot be read/],
  ])('rejects a malformed file %j as CSV_MALFORMED', (text, msg) => {
    expect(() => parseRosterCsv(text)).toThrow(
      expect.objectContaining({ code: 'CSV_MALFORMED', message: expect.stringMatching(msg) }),
    );
  });

  it('caps the number of rows', () => {
    const big = ['username,displayName', ...Array.from({ length: 501 }, (_, i) => `s${i}xx,学生${i}`)].join(
      '\n',
    );
    expect(() => parseRosterCsv(big)).toThrow(/At most 500/);
  });
});
