/**
 * The demo district: 2 schools, grades 1–9 with 2 classes each, a lead
 * teacher per grade, co-teachers (a class teacher per class and a subject
 * teacher per grade), and a few students per class, with Chinese names.
 * Pure data: server/cli/demo.ts writes it through the DistrictStore.
 */
import { gradeNameZh, type Role } from './model.ts';

export const DEMO_PASSWORD = 'skyclass2026';

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '罗',
  '高',
];
const GIVEN = [
  '子涵',
  '欣怡',
  '梓轩',
  '浩然',
  '雨桐',
  '思远',
  '一诺',
  '语嫣',
  '俊杰',
  '佳怡',
  '宇航',
  '诗琪',
  '博文',
  '晨曦',
  '若汐',
  '明轩',
  '可馨',
  '天佑',
  '静怡',
  '嘉懿',
  '梓萱',
  '皓轩',
  '沐辰',
  '安琪',
];
const SUBJECTS_BY_GRADE: Record<number, string[]> = {
  1: ['语文', '数学'],
  2: ['语文', '数学'],
  3: ['语文', '数学', '英语'],
  4: ['语文', '数学', '英语'],
  5: ['语文', '数学', '英语'],
  6: ['语文', '数学', '英语'],
  7: ['语文', '数学', '英语', '物理'],
  8: ['语文', '数学', '英语', '物理'],
  9: ['语文', '数学', '英语', '化学'],
};

export interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  schoolKey?: string;
  classKeys?: string[];
  grades?: number[];
  subjects?: string[];
  classTeacherOf?: string;
  /** Parents: the username of their child. */
  parentOf?: string;
}

export interface DemoPlan {
  district: { id: string; name: string };
  grades: number[];
  schools: { key: string; id: string; name: string }[];
  classes: { key: string; id: string; schoolKey: string; grade: number; name: string }[];
  users: DemoUser[];
}

export function demoPlan(studentsPerClass = 3): DemoPlan {
  let n = 0;
  const name = (title = '') => {
    const s = SURNAMES[(n * 7) % SURNAMES.length]!;
    const g = GIVEN[(n * 5 + Math.floor(n / SURNAMES.length)) % GIVEN.length]!;
    n += 1;
    return `${s}${g}${title}`;
  };
  const grades = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const schools = [
    { key: 's1', id: 'sch_demo1', name: '东城第一实验学校' },
    { key: 's2', id: 'sch_demo2', name: '明德九年一贯制学校' },
  ];
  const classes: DemoPlan['classes'] = [];
  const users: DemoUser[] = [
    { username: 'admin', displayName: '周主任（区教育局）', role: 'district_admin' },
  ];
  for (const g of grades) {
    users.push({
      username: `lead-g${g}`,
      displayName: name('老师'),
      role: 'lead_teacher',
      grades: [g],
      subjects: SUBJECTS_BY_GRADE[g]!,
    });
  }
  for (const s of schools) {
    users.push({
      username: `${s.key}-admin`,
      displayName: name('（教务处）'),
      role: 'school_admin',
      schoolKey: s.key,
    });
    for (const g of grades) {
      const gradeClasses = [1, 2].map((c) => {
        const key = `${s.key}-g${g}-${c}`;
        const cls = {
          key,
          id: `cls_demo_${s.key}_g${g}_${c}`,
          schoolKey: s.key,
          grade: g,
          name: `${gradeNameZh(g)}（${c}）班`,
        };
        classes.push(cls);
        return cls;
      });
      for (const cls of gradeClasses) {
        users.push({
          username: `t-${cls.key}`,
          displayName: name('老师'),
          role: 'co_teacher',
          schoolKey: s.key,
          classKeys: [cls.key],
          subjects: ['语文'],
          classTeacherOf: cls.key,
        });
        for (let i = 1; i <= studentsPerClass; i++) {
          const child = {
            username: `${cls.key}-${String(i).padStart(2, '0')}`,
            displayName: name(),
            role: 'student' as const,
            schoolKey: s.key,
            classKeys: [cls.key],
          };
          users.push(child);
          // The first child of each class has a parent account (p-<child's username>).
          if (i === 1)
            users.push({
              username: `p-${child.username}`,
              displayName: `${child.displayName}妈妈`,
              role: 'parent',
              schoolKey: s.key,
              parentOf: child.username,
            });
        }
      }
      users.push({
        username: `t-${s.key}-g${g}-math`,
        displayName: name('老师'),
        role: 'co_teacher',
        schoolKey: s.key,
        classKeys: gradeClasses.map((c) => c.key),
        subjects: ['数学'],
      });
    }
  }
  return { district: { id: 'dst_demo', name: '示范区教育局 · 空中课堂' }, grades, schools, classes, users };
}
