import { describe, expect, it } from 'vitest';
import { checkMessage, MAX_MESSAGE_LENGTH } from '../../server/classroom/contentFilter.ts';

describe('class room filter: no links, no advertising', () => {
  it.each([
    '老师，第三题怎么做？',
    '分数 3/4 和 6/8 一样大吗',
    'I finished the homework.',
    '3.14 是圆周率的近似值',
    '我在 www 那一节听不懂', // the word alone is not a link
  ])('lets learning through: %s', (text) => {
    expect(checkMessage(text).ok).toBe(true);
  });

  it.each([
    ['看这个 https://example.com/x', 'link'],
    ['www.baidu.com 上有答案', 'link'],
    ['答案在 abc.cn', 'link'],
    ['答案在 abc。cn', 'link'], // full-width dot
    ['加微信 abc12345 领资料', 'link'],
    ['VX: hello_world1', 'link'],
    ['+QQ 12345678', 'link'],
    ['代写作业，便宜', 'ad'],
    ['代 写 作 业', 'ad'], // spaced out
    ['代*写', 'ad'],
    ['免费领取学习资料', 'ad'],
    ['扫码进群', 'ad'],
  ])('blocks %s (%s) with a notice', (text, reason) => {
    const v = checkMessage(text);
    expect(v.ok).toBe(false);
    expect(v.reason).toBe(reason);
    expect(v.message!['zh-CN']).toMatch(/没有发出/);
    expect(v.message!.en).toMatch(/not sent/);
  });

  it('refuses empty and over-long messages', () => {
    expect(checkMessage('   ').reason).toBe('empty');
    expect(checkMessage('好'.repeat(MAX_MESSAGE_LENGTH + 1)).reason).toBe('too_long');
  });
});
