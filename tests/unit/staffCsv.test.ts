/** The staff list CSV: Chinese or English headers and roles, class and grade lists, every bad row with its reason. */
import { describe, expect, it } from 'vitest';
import { parseStaffCsv } from '../../server/district/StaffCsv.ts';

describe('staff list CSV', () => {
  it('reads Chinese headers, role names, class lists and grades', () => {
    const { rows, errors } = parseStaffCsv(
      '\ufeff用户名,姓名,角色,班级,学科,年级,密码\r\n' +
        'wang01,王老师,任课教师,三年级（1）班、三年级（2）班,数学;科学,,\r\n' +
        'li01,李主讲,主讲教师,,英语,三年级|4,longpassword\r\n' +
        'qian01,钱主任,学校管理员,,,,\r\n',
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        username: 'wang01',
        displayName: '王老师',
        role: 'co_teacher',
        classNames: ['三年级（1）班', '三年级（2）班'],
        subjects: ['数学', '科学'],
        grades: [],
      },
      {
        line: 3,
        username: 'li01',
        displayName: '李主讲',
        role: 'lead_teacher',
        classNames: [],
        subjects: ['英语'],
        grades: [3, 4],
        password: 'longpassword',
      },
      {
        line: 4,
        username: 'qian01',
        displayName: '钱主任',
        role: 'school_admin',
        classNames: [],
        subjects: [],
        grades: [],
      },
    ]);
  });

  it('reports each bad row with its line and reason', () => {
    const { rows, errors } = parseStaffCsv(
      [
        'username,displayName,role,classes,grades,subjects',
        'ok01,好,co_teacher,三年级（1）班,,',
        'x,短名,co_teacher,三年级（1）班,,',
        'norole,无,principal,,,',
        'noclass,无班,co_teacher,,,',
        'lead01,主讲,lead_teacher,,十三年级,数学',
        'lead02,主讲,lead_teacher,,3,',
        'ok01,重复,co_teacher,三年级（1）班,,',
        'cols,列,co_teacher',
      ].join('\n'),
    );
    expect(rows.map((r) => r.username)).toEqual(['ok01']);
    expect(errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'ROW_USERNAME'],
      [4, 'ROW_ROLE'],
      [5, 'ROW_CLASSES'],
      [6, 'ROW_GRADES'],
      [7, 'ROW_GRADES'],
      [8, 'ROW_DUPLICATE'],
      [9, 'ROW_COLUMNS'],
    ]);
  });

  it('refuses a file without the needed header as a whole', () => {
    expect(() => parseStaffCsv('username,displayName\nx01,x\n')).toThrow(/role/);
    expect(() => parseStaffCsv('')).toThrow(/empty/);
  });
});
