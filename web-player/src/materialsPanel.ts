/**
 * Learning materials (学习资料) of a lesson, a slot or a class: the list with
 * downloads (through the API with the session), and for those who may add,
 * a file picker that uploads over tus (resumable) and attaches the file.
 */
import { call, errorText } from './api.ts';
import { h, notice } from './dom.ts';
import { bytes } from './format.ts';
import { t } from './i18n.ts';
import { fileUrl, uploadHomeworkFile } from './homeworkFiles.ts';
import type { BodyOf } from '../../contracts/api.ts';

type Scope = BodyOf<'POST /api/materials'>['scope'];

const query = (s: Scope) =>
  s.kind === 'lesson'
    ? { lessonId: s.lessonId }
    : s.kind === 'class'
      ? { classId: s.classId }
      : { grade: String(s.grade), date: s.date, slotId: s.slotId };

export function materialsPanel(scope: Scope, canAdd: boolean): HTMLElement {
  const list = h('ul', { class: 'link-list', 'data-testid': 'materials' });
  const status = h('div', { class: 'status-area' });
  const paint = async () => {
    try {
      const { materials } = await call('GET /api/materials', { query: query(scope) });
      if (!materials.length) return void list.replaceChildren(h('li', { class: 'empty' }, t('mat.none')));
      list.replaceChildren(
        ...materials.map((m) => {
          const link = h('a', { href: '#', 'data-testid': 'material' }, m.title);
          link.addEventListener('click', async (ev) => {
            ev.preventDefault();
            try {
              const url = await fileUrl(m.file.id);
              const a = h('a', { href: url, download: m.file.name });
              document.body.append(a);
              a.click();
              a.remove();
            } catch (e) {
              status.replaceChildren(notice('error', errorText(e)));
            }
          });
          return h(
            'li',
            {},
            link,
            h('span', { class: 'hint' }, ` · ${m.file.name} · ${bytes(m.file.size)} · ${m.addedByName}`),
          );
        }),
      );
    } catch (e) {
      list.replaceChildren(h('li', {}, notice('error', errorText(e))));
    }
  };
  void paint();
  const box = h('section', { class: 'card' }, h('h2', {}, t('mat.title')), list, status);
  if (canAdd) {
    const file = h('input', { type: 'file', 'data-testid': 'material-file' });
    const title = h('input', {
      maxlength: 100,
      placeholder: t('mat.titlePlaceholder'),
      'data-testid': 'material-title',
    });
    const button = h('button', { type: 'submit', 'data-testid': 'material-add' }, t('mat.add'));
    box.append(
      h(
        'form',
        {
          class: 'form row',
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            const f = file.files?.[0];
            if (!f) return;
            button.disabled = true;
            status.replaceChildren(notice('info', t('mat.uploading')));
            try {
              const up = await uploadHomeworkFile(f, f.name, (sent, total) => {
                status.replaceChildren(
                  notice('info', `${t('mat.uploading')} ${Math.floor((sent / total) * 100)}%`),
                );
              });
              await call('POST /api/materials', {
                body: { scope, title: title.value.trim() || f.name, fileId: up.id },
              });
              status.replaceChildren(notice('ok', t('mat.added')));
              file.value = '';
              title.value = '';
              await paint();
            } catch (e) {
              status.replaceChildren(notice('error', errorText(e)));
            } finally {
              button.disabled = false;
            }
          },
        },
        file,
        title,
        button,
      ),
      h('p', { class: 'hint' }, t('mat.hint')),
    );
  }
  return box;
}
