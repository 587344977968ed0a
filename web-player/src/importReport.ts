/** The per-row report of a CSV import (a class roster, a staff list): who was created, with initial passwords, and each refused line with its reason. */
import { h, notice } from './dom.ts';
import { rowErrorText, t } from './i18n.ts';

/** Refusals whose server message carries what the person must fix (which class names are unknown…). */
const DETAILED = new Set(['ROW_CLASSES', 'ROW_INVALID']);

export interface ImportReport {
  created: number;
  failed: number;
  rows: { line: number; user: { displayName: string; username: string }; initialPassword?: string }[];
  errors: { line: number; username?: string; code: string; message: string }[];
}

export function renderImportReport(r: ImportReport): HTMLElement {
  return h(
    'div',
    {},
    notice(r.failed ? 'info' : 'ok', t('importResult', { ok: r.created, bad: r.failed })),
    r.rows.length > 0 &&
      h(
        'ul',
        { 'data-testid': 'import-created' },
        r.rows.map((row) =>
          h(
            'li',
            {},
            `${row.user.displayName} (${row.user.username})`,
            row.initialPassword ? ` — ${t('password')}: ${row.initialPassword}` : '',
          ),
        ),
      ),
    r.errors.length > 0 &&
      h(
        'table',
        { class: 'roster', 'data-testid': 'import-errors' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', {}, t('line')), h('th', {}, t('username')), h('th', {}, t('reason'))),
        ),
        h(
          'tbody',
          {},
          r.errors.map((e) => {
            const local = rowErrorText(e.code, e.message);
            return h(
              'tr',
              {},
              h('td', {}, e.line),
              h('td', { class: 'mono' }, e.username ?? ''),
              h(
                'td',
                { title: e.message },
                local,
                local !== e.message && DETAILED.has(e.code)
                  ? h('div', { class: 'muted small' }, e.message)
                  : '',
              ),
            );
          }),
        ),
      ),
  );
}
