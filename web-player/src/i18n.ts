/** zh-CN first, English selectable; the choice is kept in localStorage. */
export type Lang = 'zh-CN' | 'en';

const zh = {
  appName: '空中课堂',
  tagline: '停课不停学 · 统一课表 · 直播与回看',
  username: '账号',
  password: '密码',
  signIn: '登录',
  signingIn: '正在登录…',
  signOut: '退出',
  language: 'English',
  home: '首页',
  loading: '加载中…',
  retry: '重试',
  back: '返回',
  'role.district_admin': '区管理员',
  'role.school_admin': '学校管理员',
  'role.lead_teacher': '主讲教师',
  'role.co_teacher': '任课教师',
  'role.student': '学生',
  'level.primary_lower': '小学 1–2 年级',
  'level.primary_upper': '小学 3–6 年级',
  'level.junior_secondary': '初中',
  'level.senior_secondary': '高中',
  welcome: '你好，{name}',
  schools: '学校',
  grades: '年级',
  classes: '班级',
  myClasses: '我的班级',
  myGrades: '我主讲的年级',
  students: '学生',
  teachers: '教师',
  studentCount: '{n} 名学生',
  classTeacher: '班主任',
  subjects: '学科',
  noClasses: '还没有班级。请联系学校管理员把你加入班级。',
  noStudents: '这个班还没有学生。用下面的表单添加，或导入名单 CSV。',
  noLessonsYet: '今天还没有安排课程。课表发布后，直播和回看会显示在这里。',
  studentHomeHint: '上课时间到了，这里会出现“进入直播”按钮；错过的课可以随时回看。',
  leadHomeHint: '你负责全年级的统一授课。各班老师和学生会在同一时间收看。',
  coHomeHint: '打开班级，查看学生名单、考勤和答疑。',
  adminHomeHint: '管理学校、班级和账号。',
  addStudent: '添加学生',
  displayName: '姓名',
  initialPasswordOptional: '初始密码（可不填，自动生成）',
  add: '添加',
  importCsv: '导入名单（CSV）',
  importHint:
    'CSV 第一行是表头：username,displayName,password（或 学号,姓名,密码）。密码可留空，系统自动生成。',
  chooseFile: '选择 CSV 文件',
  importing: '正在导入…',
  importResult: '导入完成：成功 {ok} 行，失败 {bad} 行。',
  line: '行',
  reason: '原因',
  resetPassword: '重置密码',
  newPasswordIs: '{name} 的新密码：{pw}（请告诉学生或家长，旧的登录已全部退出）',
  createdWithPassword: '已添加 {name}，初始密码：{pw}',
  created: '已添加 {name}',
  confirmReset: '确定要重置 {name} 的密码吗？',
  notAllowed: '你没有权限查看这个页面。',
  notFound: '页面不存在。',
  offline: '网络连接失败，请检查网络后重试。',
  sessionEnded: '登录已过期，请重新登录。',
  district: '全区',
  school: '学校',
  demoHint: '演示账号：admin / s1-admin / lead-g3 / t-s1-g3-1 / s1-g3-1-01，密码 skyclass2026',
  'row.ROW_USERNAME': '账号只能用 3–40 位小写字母、数字、点、横线或下划线',
  'row.ROW_NAME': '姓名需要 1–40 个字',
  'row.ROW_PASSWORD': '密码至少 8 位',
  'row.ROW_DUPLICATE': '这个账号在文件里出现了两次',
  'row.ROW_COLUMNS': '这一行的列数和表头不一致',
  'row.ROW_EXISTS': '这个账号已经存在',
  'row.ROW_INVALID': '这一行无法添加',
};

const en: Record<keyof typeof zh, string> = {
  appName: 'Skyclass',
  tagline: 'Learning continues · one timetable · live and replay',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signOut: 'Sign out',
  language: '中文',
  home: 'Home',
  loading: 'Loading…',
  retry: 'Retry',
  back: 'Back',
  'role.district_admin': 'District admin',
  'role.school_admin': 'School admin',
  'role.lead_teacher': 'Lead teacher',
  'role.co_teacher': 'Co-teacher',
  'role.student': 'Student',
  'level.primary_lower': 'Primary grades 1–2',
  'level.primary_upper': 'Primary grades 3–6',
  'level.junior_secondary': 'Junior secondary',
  'level.senior_secondary': 'Senior secondary',
  welcome: 'Hello, {name}',
  schools: 'Schools',
  grades: 'Grades',
  classes: 'Classes',
  myClasses: 'My classes',
  myGrades: 'Grades I teach',
  students: 'Students',
  teachers: 'Teachers',
  studentCount: '{n} students',
  classTeacher: 'Class teacher',
  subjects: 'Subjects',
  noClasses: 'No classes yet. Ask your school admin to add you to a class.',
  noStudents: 'This class has no students yet. Add them below or import a roster CSV.',
  noLessonsYet:
    'No lessons scheduled today. Once the timetable is published, live lessons and replays appear here.',
  studentHomeHint:
    'When a lesson starts, a "Join live" button appears here; missed lessons can be replayed any time.',
  leadHomeHint: 'You teach the unified lesson for the whole grade; every class watches at the same time.',
  coHomeHint: 'Open a class to see its roster, attendance and questions.',
  adminHomeHint: 'Manage schools, classes and accounts.',
  addStudent: 'Add a student',
  displayName: 'Name',
  initialPasswordOptional: 'Initial password (optional, generated if empty)',
  add: 'Add',
  importCsv: 'Import roster (CSV)',
  importHint:
    'First line is the header: username,displayName,password. Leave password empty to generate one.',
  chooseFile: 'Choose a CSV file',
  importing: 'Importing…',
  importResult: 'Import finished: {ok} rows added, {bad} rows failed.',
  line: 'Line',
  reason: 'Reason',
  resetPassword: 'Reset password',
  newPasswordIs: 'New password for {name}: {pw} (tell the student or parent; old sign-ins were ended)',
  createdWithPassword: 'Added {name}, initial password: {pw}',
  created: 'Added {name}',
  confirmReset: 'Reset the password of {name}?',
  notAllowed: 'You are not allowed to see this page.',
  notFound: 'This page does not exist.',
  offline: 'Network error. Check your connection and try again.',
  sessionEnded: 'Your sign-in has expired. Please sign in again.',
  district: 'District',
  school: 'School',
  demoHint: 'Demo accounts: admin / s1-admin / lead-g3 / t-s1-g3-1 / s1-g3-1-01, password skyclass2026',
  'row.ROW_USERNAME': '',
  'row.ROW_NAME': '',
  'row.ROW_PASSWORD': '',
  'row.ROW_DUPLICATE': '',
  'row.ROW_COLUMNS': '',
  'row.ROW_EXISTS': '',
  'row.ROW_INVALID': '',
};

export type MessageKey = keyof typeof zh;
const tables: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zh, en };

let lang: Lang = (localStorage.getItem('skyclass.lang') as Lang | null) ?? 'zh-CN';

export function getLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  localStorage.setItem('skyclass.lang', l);
  document.documentElement.lang = l;
}

/** A row error of a roster import in the user's language; the server's English message is the fallback. */
export function rowErrorText(code: string, serverMessage: string): string {
  const key = `row.${code}` as MessageKey;
  const local = key in zh ? tables[lang][key] : '';
  return local || serverMessage;
}

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}
