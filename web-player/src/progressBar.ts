/** A lesson's processing progress (stage, percent, time left), shared by the catalogue and the upload page. */
import { h } from './dom.ts';
import { eta } from './format.ts';
import { t, type MessageKey } from './i18n.ts';
import type { LessonProgress } from './lessonsApi.ts';

export function progressBar(p: LessonProgress | null | undefined, testid = 'progress'): HTMLElement {
  const percent = Math.max(0, Math.min(100, p?.percent ?? 0));
  const stage = p ? t(`stage.${p.stage}` as MessageKey) : t('stage.queued');
  return h(
    'div',
    { class: 'progress-wrap' },
    h(
      'div',
      {
        class: 'progress',
        role: 'progressbar',
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': percent,
        'data-testid': testid,
      },
      h('div', { class: 'bar', style: `width:${percent}%` }),
    ),
    h(
      'span',
      { class: 'hint' },
      `${stage} ${percent}%`,
      p?.etaSec !== undefined && p.stage === 'transcoding'
        ? ` · ${t('etaLeft', { eta: eta(p.etaSec) })}`
        : '',
    ),
  );
}
