import { describe, expect, it } from 'vitest';
import { checkMessage, MAX_MESSAGE_LENGTH, normalise } from '../../server/classroom/contentFilter.ts';

/** Ordinary classroom sentences: numbers, formulas, times, pages, decimals, dates, English. All must pass. */
const ORDINARY = [
  '老师，第三题怎么做？',
  '分数 3/4 和 6/8 一样大吗',
  'I finished the homework.',
  '3.14 是圆周率的近似值',
  'π ≈ 3.1415926，要记住前几位吗？',
  '我在 www 那一节听不懂', // the word alone is not a link
  '下一节课 10:40 开始，10:40-11:20 是数学',
  '作业在课本第 25 页，练习册第 12 页第 3 题',
  '1+2+3+4+5+6+7+8+9 = 45',
  'x² + 2x + 1 = (x + 1)²',
  '2026-12-01 要交作文',
  '今天是2026年12月1日，星期二',
  '三年级二班的同学都到了吗',
  '一千零一夜的故事真好听',
  'Mr. Li, I like it. Me too!',
  'The answer is 1,000,000 (one million).',
  '我的答案是 0.5 还是 1/2？',
  '老师我手机没电了，等一下再看回放',
  '参加群体讨论的时候要举手',
  '第1、2、3、4、5、6、7题都做完了',
  'e.g. a triangle has 3 sides, i.e. three.',
  '我们下午 3 点 a 组先讲',
  '我看完了第3.2节，再做4.1节',
  '请问 12 × 12 = 144 对吗？',
  '今天学习了“点”和“线”，一点也不难',
];

/** Evasions of the link, contact and advertising rules. All must be refused. */
const EVASIONS: [string, 'link' | 'contact' | 'ad'][] = [
  ['看这个 https://example.com/x', 'link'],
  ['ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ', 'link'], // full width
  ['www.baidu.com 上有答案', 'link'],
  ['答案在 abc.cn', 'link'],
  ['答案在 abc。cn', 'link'], // ideographic full stop
  ['答案在 abc．cn', 'link'], // full-width dot
  ['evil . com', 'link'],
  ['evil .com 有答案', 'link'],
  ['evil dot com', 'link'],
  ['evil (dot) com', 'link'],
  ['evil[.]com', 'link'],
  ['evil点com', 'link'],
  ['evil 点 cn 上有', 'link'],
  ['去 games.xyz 玩', 'link'],
  ['答案在 homework.help', 'link'],
  ['game.museum 看看', 'link'],
  ['play.online 有', 'link'],
  ['e\u200Bvil.c\u200Bom', 'link'], // zero-width spaces inside words
  ['ev\u00ADil.com', 'link'], // soft hyphen
  ['EVIL.COM', 'link'],
  ['hxxp://evil.example', 'link'],
  ['ftp://files.example', 'link'],
  ['192.168.1.10:8080 上有游戏', 'link'],
  ['连 10.0.0.1', 'link'],
  ['发邮件到 kid@evil.com', 'link'],
  ['kid (at) evil dot com', 'link'],
  ['加微信 abc12345 领资料', 'contact'],
  ['VX: hello_world1', 'contact'],
  ['+QQ 12345678', 'contact'],
  ['加我qq', 'contact'],
  ['q号 2345678', 'contact'],
  ['群号123456', 'contact'],
  ['我的电话 138 0013 8000', 'contact'],
  ['打 13800138000', 'contact'],
  ['138-0013-8000 找我', 'contact'],
  ['一三八零零一三八零零零', 'contact'],
  ['①③⑧⓪⓪①③⑧⓪⓪⓪', 'contact'],
  ['微 信：zhangsan_88', 'contact'], // spaced handle word
  ['威信 zhangsan88', 'contact'],
  ['加我 kidgamer', 'contact'],
  ['wechat: kidgamer', 'contact'],
  ['代写作业，便宜', 'ad'],
  ['代 写 作 业', 'ad'],
  ['代*写', 'ad'],
  ['代\u200D写', 'ad'],
  ['免费领取学习资料', 'ad'],
  ['扫码进群', 'ad'],
  ['游戏充值打折', 'ad'],
  ['ｄａｉ 代。写', 'ad'],
  ['加 我 微 信', 'contact'],
];

describe('class room filter: no links, no contacts, no advertising', () => {
  it.each(ORDINARY)('lets learning through: %s', (text) => {
    expect(checkMessage(text)).toEqual({ ok: true });
  });

  it.each(EVASIONS)('blocks %s (%s) with a notice', (text, reason) => {
    const v = checkMessage(text);
    expect(v.ok).toBe(false);
    expect(v.reason).toBe(reason);
    expect(v.message!['zh-CN']).toMatch(/没有发出/);
    expect(v.message!.en).toMatch(/not sent/);
  });

  it('has the corpus the rules promise (40+ evasions, 20+ ordinary sentences)', () => {
    expect(EVASIONS.length).toBeGreaterThanOrEqual(40);
    expect(ORDINARY.length).toBeGreaterThanOrEqual(20);
  });

  it('normalises full width, zero-width characters and case before matching', () => {
    expect(normalise('ＡＢＣ\u200B．ｃｏｍ')).toBe('abc.com');
    expect(normalise('答案。cn')).toBe('答案.cn');
  });

  it('refuses empty and over-long messages', () => {
    expect(checkMessage('   ').reason).toBe('empty');
    expect(checkMessage('好'.repeat(MAX_MESSAGE_LENGTH + 1)).reason).toBe('too_long');
  });
});
