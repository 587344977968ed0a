/** Small formatters for the pages. */
import { getLang } from './i18n.ts';

export function clock(totalSec: number): string {
  const s = Math.max(0, Math.floor(totalSec));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(getLang(), { dateStyle: 'medium', timeStyle: 'short' });
}

/** "about 3 min" style remaining time. */
export function eta(sec: number): string {
  if (sec < 60)
    return getLang() === 'en' ? `${Math.max(1, Math.round(sec))} s` : `${Math.max(1, Math.round(sec))} 秒`;
  const m = Math.round(sec / 60);
  return getLang() === 'en' ? `${m} min` : `${m} 分钟`;
}
