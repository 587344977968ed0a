/**
 * The class room's filter: no links and no advertising (the source
 * documents forbid ads to pupils). Links in any form (URLs, bare domains,
 * "微信/QQ 号" contacts) and common advertising phrases are refused with a
 * notice in Chinese and English; nothing is stored.
 */

export interface FilterVerdict {
  ok: boolean;
  reason?: 'link' | 'ad' | 'empty' | 'too_long';
  message?: { 'zh-CN': string; en: string };
}

export const MAX_MESSAGE_LENGTH = 500;

const LINK_PATTERNS: RegExp[] = [
  /\b(?:https?|ftp):\/\//i,
  /\bwww\.[a-z0-9-]+/i,
  // bare domains: example.com, abc.cn, t.me/…, including full-width dots
  /\b[a-z0-9][a-z0-9-]{0,62}(?:[.。．][a-z0-9-]{1,63})*[.。．](?:com|cn|net|org|top|xyz|vip|cc|me|io|info|shop|site|club|link|app|tv|ly)\b/i,
  // contact handles used to pull children elsewhere
  /(?:加|\+|➕)\s*(?:微信|VX|V信|wx|QQ|扣扣|群)/i,
  /(?:微信|VX|V信|wx|QQ|扣扣)\s*(?:号|群)?\s*[:：]?\s*[a-z0-9_-]{5,}/i,
];

const AD_WORDS = [
  '代写',
  '代做',
  '兼职',
  '刷单',
  '返利',
  '优惠券',
  '免费领取',
  '免费领',
  '限时优惠',
  '打折',
  '促销',
  '代购',
  '微商',
  '赚钱',
  '日赚',
  '出售',
  '低价',
  '包过',
  '推广',
  '扫码',
  '二维码',
  '淘宝店',
  '拼多多',
  '点击购买',
];

/** Normalises tricks: spaces or symbols between the characters of a word ("代 写", "代*写"). */
const squeeze = (s: string) => s.replace(/[\s*·.,，。_\-~!！|/\\]+/g, '');

export function checkMessage(raw: string): FilterVerdict {
  const text = raw.trim();
  if (!text)
    return { ok: false, reason: 'empty', message: { 'zh-CN': '消息是空的。', en: 'The message is empty.' } };
  if (text.length > MAX_MESSAGE_LENGTH)
    return {
      ok: false,
      reason: 'too_long',
      message: {
        'zh-CN': `消息太长了（最多 ${MAX_MESSAGE_LENGTH} 个字），请分几次发。`,
        en: `The message is too long (at most ${MAX_MESSAGE_LENGTH} characters); send it in parts.`,
      },
    };
  if (LINK_PATTERNS.some((p) => p.test(text)))
    return {
      ok: false,
      reason: 'link',
      message: {
        'zh-CN': '班级讨论区不能发链接或联系方式，消息没有发出。有资料请交给老师。',
        en: 'Links and contact details are not allowed in the class room; the message was not sent. Give materials to your teacher.',
      },
    };
  const squeezed = squeeze(text);
  if (AD_WORDS.some((w) => squeezed.includes(w)))
    return {
      ok: false,
      reason: 'ad',
      message: {
        'zh-CN': '消息里有广告内容，没有发出。班级讨论区只用来学习。',
        en: 'The message looks like advertising and was not sent. The class room is for learning only.',
      },
    };
  return { ok: true };
}
