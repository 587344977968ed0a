/**
 * The class room's filter: no links, no contact details and no advertising
 * (the source documents forbid ads to pupils, and a class room of children
 * must not become a way to pull them elsewhere). Refused messages get a
 * notice in Chinese and English; nothing is stored.
 *
 * Every check runs on a normalised copy of the text, so the usual evasions
 * fall away first: Unicode NFKC (full-width ｈｔｔｐ, ①②, compatibility
 * forms), zero-width and other format characters removed, lower case,
 * Chinese digits (一二三, 〇/零, 壹贰叁) read as digits, spelled-out dots
 * ("dot", "点", "(.)", "[.]", "。") read as dots. Then:
 * - links: any URL scheme, "www.", a host name ending in any IANA top-level
 *   domain (the `tlds` list), and spaced or spelled dots before a common TLD;
 * - addresses: IPv4 (with or without a port), e-mail addresses;
 * - contacts: phone numbers (7+ digits in a row once separators between
 *   digits are dropped), QQ/WeChat/VX/群 handles and numbers, "加我";
 * - advertising phrases, also with symbols or spaces between the characters.
 * Ordinary classroom text (times 10:40, 3.14, page numbers, formulas, years)
 * passes: tests/unit/contentFilter.test.ts holds both corpora.
 */
import { createRequire } from 'node:module';

export interface FilterVerdict {
  ok: boolean;
  reason?: 'link' | 'contact' | 'ad' | 'empty' | 'too_long';
  message?: { 'zh-CN': string; en: string };
}

export const MAX_MESSAGE_LENGTH = 500;

const TLDS: string[] = (createRequire(import.meta.url)('tlds') as string[]).filter((t) => /^[a-z]+$/.test(t));
const TLD_SET = new Set(TLDS);

/** TLDs that spam spells out with spaces or words ("evil . com", "evil dot top", "点cn"). */
const COMMON_TLDS =
  'com|cn|net|org|top|xyz|vip|cc|me|io|info|shop|site|club|link|app|tv|ly|co|us|uk|ru|biz|online|store|tk|ml|ga|cf|gq|pw|ws|fun|icu|work|live|ink|wang|win|hk|tw|jp|de|in|edu|gov|mobi|pro|asia|one|ai|so|la|to|gg';

/** Chinese and other digit spellings that children (and spammers) use instead of 0-9. */
const DIGITS: Record<string, string> = {
  零: '0',
  〇: '0',
  洞: '0',
  一: '1',
  幺: '1',
  壹: '1',
  二: '2',
  两: '2',
  贰: '2',
  三: '3',
  叁: '3',
  四: '4',
  肆: '4',
  五: '5',
  伍: '5',
  六: '6',
  陆: '6',
  七: '7',
  柒: '7',
  拐: '7',
  八: '8',
  捌: '8',
  九: '9',
  玖: '9',
  勾: '9',
};

/** NFKC, no format/zero-width characters, lower case, 。 as a dot. */
export function normalise(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/[\p{Cf}\u180E\u2800\u3164\uFFA0]/gu, '') // zero-width, soft hyphen, bidi marks, blank look-alikes
    .replace(/[。｡]/g, '.')
    .toLowerCase();
}

/** Spelled-out dots as real dots: "evil dot com", "evil (dot) com", "evil[.]com", "evil 点 com". */
function spelledDots(s: string): string {
  return s
    .replace(/\s*[([{]\s*(?:dot|\.|点)\s*[)\]}]\s*/g, '.')
    .replace(/\s+dot\s+/g, '.')
    .replace(/\s*(?:点|點)\s*(?=[a-z])/g, '.');
}

/** Digits with separators between them joined ("138 0013-8000" → "13800138000"); Chinese digits read; dates kept apart. */
function digitsOnly(s: string): string {
  const read = s.replace(/[零〇洞一幺壹二两贰三叁四肆五伍六陆七柒拐八捌九玖勾]/g, (c) => DIGITS[c]!);
  return read
    .replace(/\b\d{4}\s*[-/年]\s*\d{1,2}\s*[-/月]\s*\d{1,2}/g, ' date ')
    .replace(/(?<=\d)[\s\-–—_·•()（）*~]+(?=\d)/g, '');
}

const SCHEME = /\b[a-z][a-z0-9+.-]{1,15}:\/\/|:\/\/|\bwww\d?\.|\b(?:hxxps?|h\s*t\s*t\s*p\s*s?)\s*:/;
const HOST = /\b([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)\.([a-z]{2,24})\b/g;
/** "evil . com", "evil .com" (nobody writes a space before a full stop), "evil. com". */
const SPACED_HOST = new RegExp(
  `[a-z0-9-]{2,}(?:\\s+\\.\\s*(?:${COMMON_TLDS})|\\.\\s+(?:com|cn|net|org|top|xyz|vip))\\b`,
);
const IPV4 = /(?<![\d.])\d{1,3}(?:\s*\.\s*\d{1,3}){3}(?![\d.])/;
const EMAIL = /[a-z0-9._%+-]+\s*(?:@|\(at\)|\[at\])\s*[a-z0-9-]+\s*\.\s*[a-z]{2,}/;
/** 8+ digits in a row (not the decimals of a number such as 3.14159265). */
const LONG_NUMBER = /(?<![\d.])\d{8,}/;
const HANDLE_WORDS_ZH = '微信|威信|薇信|维信|微心|徽信|v信|扣扣|抠抠|企鹅|q号|群号|抖音号|快手号';
const HANDLE_WORDS_EN = 'wechat|weixin|vx|wx|qq|qun|tel|phone|telegram|whatsapp';
const HANDLE = new RegExp(
  `(?:${HANDLE_WORDS_ZH}|群|\\b(?:${HANDLE_WORDS_EN}))\\s*(?:号码|号|id|账号)?\\s*[:=：是为]?\\s*[a-z0-9_-]*\\d[a-z0-9_-]{4,}|(?:${HANDLE_WORDS_ZH}|\\b(?:${HANDLE_WORDS_EN}))\\s*(?:号码|号|id|账号)?\\s*[:=：是为]?\\s*[a-z][a-z0-9_-]{5,}`,
);
const ADD_ME = new RegExp(
  `(?:加|\\+|➕|私聊|私信)\\s*(?:我|一下|下)?\\s*(?:的)?\\s*(?:微信|威信|薇信|v信|扣扣|企鹅|群号|qq群|\\b(?:wechat|weixin|vx|wx|qq|v)\\b)`,
);
const ADD_ME_ID = /(?:加我|联系我|私聊我|找我)\s*[:：]?\s*[a-z0-9_-]{5,}/;

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
  '加盟',
  '代理',
  '充值',
  '游戏币',
  '皮肤免费',
  '红包群',
  '贷款',
  '博彩',
  '彩票',
  '网赚',
  '手游',
  '点击领取',
  '私服',
  '外挂',
  '福利群',
  '粉丝群',
];

/** Removes symbols and spaces between the characters of a word ("代 写", "代*写"). */
const squeeze = (s: string) => s.replace(/[\s\p{P}\p{S}]+/gu, '');

function verdictFor(reason: 'link' | 'contact' | 'ad'): FilterVerdict {
  const message =
    reason === 'ad'
      ? {
          'zh-CN': '消息里有广告内容，没有发出。班级讨论区只用来学习。',
          en: 'The message looks like advertising and was not sent. The class room is for learning only.',
        }
      : reason === 'contact'
        ? {
            'zh-CN': '班级讨论区不能留电话、QQ、微信等联系方式，消息没有发出。有事请找老师。',
            en: 'Phone numbers, QQ, WeChat and other contact details are not allowed in the class room; the message was not sent. Ask your teacher.',
          }
        : {
            'zh-CN': '班级讨论区不能发链接或网址，消息没有发出。有资料请交给老师。',
            en: 'Links and web addresses are not allowed in the class room; the message was not sent. Give materials to your teacher.',
          };
  return { ok: false, reason, message };
}

function hasHost(s: string): boolean {
  for (const m of s.matchAll(HOST)) {
    const label = m[1]!;
    const tld = m[2]!;
    // "3.14", "x.y" are not hosts: a host label has a letter or is long, and the TLD is a real one.
    if (TLD_SET.has(tld) && (/[a-z]/.test(label) || label.length >= 3)) return true;
  }
  return false;
}

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
  const n = normalise(text);
  const dotted = spelledDots(n);
  if (SCHEME.test(n) || hasHost(dotted) || SPACED_HOST.test(dotted) || EMAIL.test(dotted))
    return verdictFor('link');
  const digits = digitsOnly(dotted);
  if (IPV4.test(dotted) || IPV4.test(digits.replace(/(\d)\s+(?=\d)/g, '$1'))) return verdictFor('link');
  // "微 信", "加 我": spaces between Chinese characters do not hide a handle word.
  const tight = n.replace(/(?<=\p{Script=Han})\s+(?=\p{Script=Han})/gu, '');
  const squeezedDigits = digitsOnly(tight);
  if (
    LONG_NUMBER.test(squeezedDigits) ||
    HANDLE.test(squeezedDigits) ||
    ADD_ME.test(tight) ||
    ADD_ME_ID.test(squeezedDigits)
  )
    return verdictFor('contact');
  const squeezed = squeeze(n);
  if (AD_WORDS.some((w) => squeezed.includes(w))) return verdictFor('ad');
  return { ok: true };
}
